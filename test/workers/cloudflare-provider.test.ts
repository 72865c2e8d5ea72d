/**
 * The `cloudflare` provider (src/sandbox/providers/cloudflare-provider.ts) at its boundary: the
 * Sandbox SDK's Durable Object replaced by a double that records calls and fails them on demand
 * (sandbox-double.ts), the rest real: the SessionDO, its lifecycle and sockets, the circuit breaker.
 * The test plays the bridge with the spec the provider wrote into the container, so the spec is shown
 * to be enough to reach the session. The same contract as the sandbox host's (spawn, events arrive,
 * stop, never connects, provider error, circuit breaker; src/sandbox/host/host-provider-contract.test.ts
 * and test/e2e for that one).
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { Event, SandboxSpec } from "../../src/core/wire.js";
import {
  BRIDGE_PROCESS,
  CONTAINER_BRIDGE,
  cloudflareProvider,
  containerName,
} from "../../src/sandbox/providers/cloudflare-provider.js";
import { SandboxProviderError } from "../../src/sandbox/providers/sandbox-provider.js";
import { breakerFor } from "../../worker/sandbox-breaker.js";
import { acceptRequest } from "../../worker/session/accept-request.js";
import type { SessionDeps } from "../../worker/session/session-deps.js";
import { hostTestSpec } from "../support/host/sandbox-spec.js";
import { sandboxDouble } from "./sandbox-double.js";
import { fire, freshSession, inside, request } from "./session-harness.js";
import { Client } from "./support.js";

const URL = "http://understudy.test";
const SECRETS = {
  ANTHROPIC_API_KEY: "sk-ant-test-key",
  ANTHROPIC_BASE_URL: "https://models.example.test",
  OPENAI_API_KEY: "sk-openai-test-key",
};

const provider = () => cloudflareProvider({ namespace: env.SANDBOX, secrets: SECRETS });
const containerOf = (name: string) => sandboxDouble.container(env.SANDBOX.idFromName(name).toString());
const SPEC_PATH = "/workspace/spec.json";

/** What the bridge in the container would read: the spec file the provider wrote. */
function specIn(name: string): SandboxSpec {
  const text = containerOf(name).files.get(SPEC_PATH);
  if (text === undefined) throw new Error(`no spec in container ${name}`);
  return JSON.parse(text) as SandboxSpec;
}

/** The session's deps with the cloudflare provider over the double in place of the recorder. */
function useCloudflare(d: SessionDeps): void {
  (d as { provider: SessionDeps["provider"] }).provider = provider();
}

const event = (seq: number, type: Event["type"], data: unknown): Event =>
  ({ seq, type, at: new Date().toISOString(), data }) as Event;

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeEach(() => sandboxDouble.reset());

describe("the cloudflare provider", () => {
  it("spawns one container per run: the spec in a file, the bridge with its agent's model key and nothing else secret", async () => {
    const p = provider();
    const claude = { ...specOf("a".repeat(64), 1), agent: "claude-code" as const };
    const codex = { ...specOf("b".repeat(64), 2), agent: "codex" as const };
    // Two sessions at once: two containers, each with its own spec.
    const [one, two] = await Promise.all([p.spawn(claude), p.spawn(codex)]);
    expect(one.sandboxId).toBe(containerName(claude));
    expect(two.sandboxId).toBe(containerName(codex));
    expect(one.sandboxId).not.toBe(two.sandboxId);
    for (const id of [one.sandboxId, two.sandboxId]) expect(id).toMatch(/^[a-z0-9-]{1,63}$/);

    const c = containerOf(one.sandboxId);
    expect(c.calls.map((x) => x.method)).toEqual(["setSleepAfter", "writeFile", "startProcess"]);
    // Asleep only well after the run's own time limit (30 min here): nothing calls it during a run.
    expect(c.calls[0]?.args).toEqual(["45m"]);
    expect(specIn(one.sandboxId)).toEqual(claude);
    const bridge = c.processes.get(BRIDGE_PROCESS);
    expect(bridge?.command).toBe(`node ${CONTAINER_BRIDGE}`);
    expect(bridge?.env).toEqual({
      UNDERSTUDY_SPEC_FILE: SPEC_PATH,
      UNDERSTUDY_WORK_DIR: "/workspace/run",
      UNDERSTUDY_ISOLATION: "bubblewrap",
      ANTHROPIC_API_KEY: SECRETS.ANTHROPIC_API_KEY,
      ANTHROPIC_BASE_URL: SECRETS.ANTHROPIC_BASE_URL,
    });
    // Nothing of the spec (its sandbox token above all) in the command line or the environment.
    expect(JSON.stringify(bridge)).not.toContain(claude.token);
    expect(containerOf(two.sandboxId).processes.get(BRIDGE_PROCESS)?.env).toMatchObject({
      OPENAI_API_KEY: SECRETS.OPENAI_API_KEY,
    });
    expect(Object.keys(containerOf(two.sandboxId).processes.get(BRIDGE_PROCESS)?.env ?? {})).not.toContain(
      "ANTHROPIC_API_KEY",
    );
  });

  it("stops by destroying the container, without starting one that is not running", async () => {
    const p = provider();
    const { sandboxId } = await p.spawn(specOf("c".repeat(64), 1));
    await p.stop(sandboxId);
    const c = containerOf(sandboxId);
    expect(c.calls.at(-1)?.method).toBe("destroy");
    expect(c.processes.get(BRIDGE_PROCESS)?.status).toBe("killed");
    expect(c.destroyed).toBe(true);
    // Gone already, or never spawned: destroy only (any other call would start a container).
    await p.stop(sandboxId);
    await p.stop("us-never-spawned-r1");
    expect(c.calls.slice(-2).map((x) => x.method)).toEqual(["destroy", "destroy"]);
    expect(containerOf("us-never-spawned-r1").calls.map((x) => x.method)).toEqual(["destroy"]);
    expect(containerOf("us-never-spawned-r1").running).toBe(false);
  });

  it("says the SDK's failures in plain words, and leaves no container running", async () => {
    const p = provider();
    sandboxDouble.failNext(
      "writeFile",
      "Maximum number of running container instances exceeded. Try again later, or increase max_instances",
    );
    const spec = specOf("d".repeat(64), 1);
    const failed = p.spawn(spec);
    await expect(failed).rejects.toBeInstanceOf(SandboxProviderError);
    await expect(failed).rejects.toThrow(/no container is free .*raise max_instances in wrangler\.toml/);
    expect(containerOf(containerName(spec)).destroyed).toBe(true);

    sandboxDouble.failNext(
      "startProcess",
      "Container failed to start due to a permanent error. Check your container configuration.",
    );
    const permanent = specOf("e".repeat(64), 1);
    await expect(p.spawn(permanent)).rejects.toThrow(
      /the container cannot start \(a permanent error: check the image and instance_type/,
    );
    const c = containerOf(containerName(permanent));
    expect(c.calls.at(-1)?.method).toBe("destroy");
    expect(c.running).toBe(false);
  });
});

describe("a session on the cloudflare provider", () => {
  it("gets the bridge's events from a spawned container, finishes, and destroys the container", async () => {
    const stub = freshSession();
    const { sandboxId, onRecordAtSpawn } = await inside(stub, async (d) => {
      useCloudflare(d);
      // What the session had on record when the provider was asked: the container's name already,
      // so a reset of the object mid-spawn could not lose the container.
      let onRecordAtSpawn: string | null | undefined;
      const spawn = d.provider.spawn.bind(d.provider);
      (d.provider as { spawn: typeof spawn }).spawn = (spec) => {
        onRecordAtSpawn = d.store.getSession()?.sandboxId;
        return spawn(spec);
      };
      await acceptRequest(d, request(1), URL);
      return { sandboxId: d.store.getSession()?.sandboxId ?? null, onRecordAtSpawn };
    });
    expect(sandboxId).toBe(containerName({ sessionId: specIn(sandboxId!).sessionId, run: 1 }));
    expect(onRecordAtSpawn).toBe(sandboxId);
    const spec = specIn(sandboxId!);

    // The bridge, with nothing but what the container was given.
    const bridge = await Client.open(`/sessions/${spec.sessionId}/sandbox`, {
      authorization: `Bearer ${spec.token}`,
    });
    bridge.send({ type: "hello", lastAckedSeq: 0 });
    expect(await bridge.next()).toEqual({ type: "ack", seq: 0 });
    bridge.send({
      type: "events",
      events: [
        event(1, "assistant_text", { text: "Looking at the repository" }),
        event(2, "push_complete", { branch: spec.repo.branch, sha: "abc", commitsAhead: 0, pushed: false }),
        event(3, "execution_complete", { success: true, summary: "Nothing to change" }),
      ],
    });
    expect(await bridge.next()).toEqual({ type: "ack", seq: 3 });

    await until(() => containerOf(sandboxId!).destroyed, "the container to be destroyed");
    const after = await inside(stub, (d) => ({
      status: d.store.getSession()?.status,
      texts: d.store
        .events(1)
        .filter((e) => e.type === "assistant_text")
        .map((e) => (e.data as { text: string }).text),
    }));
    expect(after).toEqual({ status: "completed", texts: ["Looking at the repository"] });
    bridge.close();
  });

  it("fails a run whose container never connects, says so, and destroys the container", async () => {
    const stub = freshSession();
    const sandboxId = await inside(stub, async (d) => {
      useCloudflare(d);
      await acceptRequest(d, request(1), URL);
      return d.store.getSession()?.sandboxId ?? null;
    });
    expect(await fire(stub, "connect", useCloudflare)).toBe(true);
    const { status, comment } = await inside(stub, (d, r) => ({
      status: d.store.getSession()?.status,
      comment: [...r.comments.values()].at(-1) ?? "",
    }));
    expect(status).toBe("failed");
    expect(comment).toContain("The sandbox never connected");
    expect(containerOf(sandboxId!).destroyed).toBe(true);
  });

  it("fails the run with the provider's words when the container cannot start", async () => {
    const stub = freshSession();
    sandboxDouble.failNext(
      "writeFile",
      "there is no container instance that can be provided to this durable object",
    );
    const { status, comment, reports } = await inside(stub, async (d, r) => {
      useCloudflare(d);
      await acceptRequest(d, request(1), URL);
      return {
        status: d.store.getSession()?.status,
        comment: [...r.comments.values()].at(-1) ?? "",
        reports: r.breaker.reports,
      };
    });
    expect(status).toBe("failed");
    expect(comment).toMatch(
      /Could not start a sandbox: Cloudflare could not start a container: no container is free/,
    );
    expect(reports).toEqual([{ ok: false, error: expect.stringMatching(/no container is free/) }]);
  });

  it("stops asking Cloudflare after repeated failures, and says so at once", async () => {
    const name = `cloudflare-test-${crypto.randomUUID()}`;
    const attempt = async (fail: boolean) => {
      const stub = freshSession();
      if (fail) sandboxDouble.failNext("writeFile", "Container is starting. Please retry in a moment.");
      return inside(stub, async (d, r) => {
        useCloudflare(d);
        // The real breaker object, as session-do.ts wires it (a stub is made in the caller's object).
        (d as { breaker: SessionDeps["breaker"] }).breaker = {
          permit: () => breakerFor(env, name).permit(d.now()),
          report: (outcome) => breakerFor(env, name).report(outcome, d.now()),
        };
        await acceptRequest(d, request(1), URL);
        // The report is not awaited by the lifecycle: let it land before the next session asks.
        await new Promise((resolve) => setTimeout(resolve, 50));
        return {
          comment: [...r.comments.values()].at(-1) ?? "",
          sandboxId: d.store.getSession()?.sandboxId ?? null,
          id: d.id,
        };
      });
    };
    for (let i = 0; i < 3; i++)
      expect((await attempt(true)).comment).toContain("the container did not start in time");
    const refused = await attempt(false);
    expect(refused.comment).toMatch(/Sandboxes are paused: the last 3 attempts to start one failed/);
    // Cloudflare was not asked: no container for that session.
    expect(refused.sandboxId).toBeNull();
    expect(containerOf(containerName({ sessionId: refused.id, run: 1 })).calls).toEqual([]);
  });
});

function specOf(sessionId: string, run: number): SandboxSpec {
  return hostTestSpec({
    sessionId,
    run,
    token: `sandbox-token-${sessionId.slice(0, 8)}-${run}`.padEnd(48, "x"),
    controlUrl: URL,
    timeLimitMs: 30 * 60_000,
  });
}
