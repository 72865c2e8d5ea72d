/**
 * Chaos suite, abuse (issue 5): what a hostile or careless sender can throw at a running stack, and
 * what must never get through. Every case loops over a corpus, records "tried N, survived N, lost 0,
 * let in 0" in the suite's ledger, then asserts it (the cases live in test/chaos/abuse/). One stack
 * serves the file; each case works on issues of its own, and runs are waited out one at a time, so
 * every effect is attributed to the case (and the delivery) that caused it.
 */
import { afterAll, beforeAll, describe, it, vi } from "vitest";
import type { ModelScript } from "../../src/demo/model-server.js";
import { type Stack, startStack } from "../../src/demo/start-stack.js";
import { type AbuseContext, abuseContext, type SpecSeen } from "./abuse/abuse-context.js";
import { malformedJson, otherEvents, oversizedBodies, wrongShapes } from "./abuse/body-cases.js";
import { heldCredentials, plantedTokens } from "./abuse/credential-cases.js";
import { endpointTokens } from "./abuse/endpoint-case.js";
import { type FinishedRun, routedScript, textOnlyScript } from "./abuse/harness.js";
import { hiddenContent } from "./abuse/hidden-case.js";
import { invalidSignatures, replayedDeliveries } from "./abuse/webhook-cases.js";
import { unauthorisedCommenters } from "./abuse/who-case.js";

/**
 * The sandbox token travels only in the spec the host writes to the bridge's stdin. Wrapping the
 * host's spawnBridge (it runs in this process) is the one way to hold real ones without a product
 * change: the endpoints case needs live, finished and other sessions' tokens.
 */
const specs = vi.hoisted(() => [] as SpecSeen[]);
vi.mock(import("../../src/sandbox/host/spawn-bridge.js"), async (importOriginal) => {
  const original = await importOriginal();
  return {
    ...original,
    spawnBridge: (spec, opts) => {
      specs.push({ sessionId: spec.sessionId, run: spec.run, token: spec.token });
      return original.spawnBridge(spec, opts);
    },
  };
});

describe("chaos: abuse", () => {
  let stack: Stack;
  let ctx: AbuseContext;

  beforeAll(async () => {
    const hostLog: string[] = [];
    const routes = new Map<string, ModelScript>();
    const runs: FinishedRun[] = [];
    stack = await startStack({
      // A cheap text-only answer unless a case routed its run's nonce to a script of its own.
      script: routedScript(() => stack.model.requests, routes, textOnlyScript),
      hostLog: {
        info: (m) => hostLog.push(m),
        warn: (m) => hostLog.push(m),
        error: (m) => hostLog.push(m),
      },
      // On disk, so the credential cases can search what workerd stored.
      persistTo: true,
    });
    ctx = abuseContext({ stack, hostLog, routes, runs, specs });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  }, 60_000);

  it(
    "answers 401 to invalid and missing signatures and starts nothing",
    () => invalidSignatures(ctx),
    120_000,
  );
  it(
    "processes a replayed delivery once, whatever its id, and a reused id only once",
    () => replayedDeliveries(ctx),
    240_000,
  );
  it(
    "refuses bodies over 25 MiB with 413 before reading them as JSON, and serves large valid ones",
    () => oversizedBodies(ctx),
    300_000,
  );
  it("answers 400 to signed bodies that are not JSON", () => malformedJson(ctx), 120_000);
  it(
    "answers 200 ignored or 400, never 5xx or accepted, to signed JSON of the wrong shape",
    () => wrongShapes(ctx),
    120_000,
  );
  it("answers 200 with a reason to events that never trigger", () => otherEvents(ctx), 120_000);
  it(
    "answers commenters without write access once, ignores bots by sender.type, and runs nothing",
    () => unauthorisedCommenters(ctx),
    240_000,
  );
  it(
    "keeps hidden content out of the prompt, the status comment and the transcript",
    () => hiddenContent(ctx),
    600_000,
  );
  it("lets no planted token out: task, tool output and final answer", () => plantedTokens(ctx), 400_000);
  it(
    "answers 404 or 401 to transcript and sandbox endpoints with wrong, other sessions' and expired tokens",
    () => endpointTokens(ctx),
    300_000,
  );
  // Last: it searches everything the file's runs left behind.
  it(
    "lets no credential the stack holds out: installation tokens, sandbox tokens, webhook secret, model key",
    () => heldCredentials(ctx),
    120_000,
  );
});
