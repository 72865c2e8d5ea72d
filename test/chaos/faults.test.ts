/**
 * Faults: each case runs SESSIONS sessions at once, each on its own issue of one stack, while one
 * fault is injected, and checks every session the same way (see support/check-session.ts): the right
 * terminal status comment, every event stored once and in order, the agent's work on the session
 * branch, the PR opened when there was work. Counts go to docs/RELIABILITY.md through recordCase.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "vitest";
import {
  badGateway,
  type Fault,
  type FaultPolicy,
  type FaultRequest,
  secondaryRateLimit,
} from "../../src/demo/fault-proxy.js";
import { type Stack, type StackOptions, startStack } from "../../src/demo/start-stack.js";
import type { BridgeLog } from "../../src/sandbox/bridge/log.js";
import type { Sandbox } from "../../src/sandbox/host/spawn-bridge.js";
import {
  GATE_FILE,
  gatedContributingScript,
  slowContributingScript,
  WORK_FILE,
} from "./support/chaos-scripts.js";
import {
  botCommentsOn,
  checkSession,
  type Expectation,
  type SessionOutcome,
} from "./support/check-session.js";
import { agentPidsUnder, bridgePidOf, descendants, kindOf } from "./support/proc-stats.js";
import {
  type Delivered,
  describeFinalTimes,
  finishCase,
  seconds,
  sleep,
  triggerSessions,
  until,
  waitForFinalComments,
} from "./support/run-case.js";

const SESSIONS = 10;
/**
 * Longest a case waits for its final comments once the fault is injected; a session still working
 * then counts as lost. A run takes seconds; the margin covers ten of them on two cores (next to
 * another chaos file) and GitHub's retry-after.
 */
const FINAL_WAIT_MS = 60_000;
/** After the last final comment: time for a late, out-of-order edit to show itself. */
const SETTLE_MS = 1_500;

/** The sandbox host's log, kept in memory (CHAOS_LOG=1 prints it) so the run's output stays readable. */
function hostLog(): BridgeLog & { lines: string[] } {
  const lines: string[] = [];
  const add = (level: string) => (msg: string) => {
    lines.push(`${level}: ${msg}`);
    if (lines.length > 5_000) lines.shift();
    if (process.env.CHAOS_LOG) {
      process.stderr.write(`${new Date().toISOString().slice(11, 23)} [sandbox-host] ${level}: ${msg}\n`);
    }
  };
  return { lines, info: add("info"), warn: add("warn"), error: add("error") };
}

type CaseContext = {
  stack: Stack;
  triggers: Delivered[];
  startedAt: number;
  /** Aborted once every comment is final (or the wait gave up): background injectors stop then. */
  done: AbortSignal;
  /** Injectors that go on after `during` resolved (e.g. dropping sockets), awaited at the end. */
  background: Promise<unknown>[];
};

/**
 * One fault case: start a stack, trigger the sessions at once, inject the fault (`during` resolves
 * once it is injected), wait (bounded) until every comment is final, let late edits land, check,
 * record. A fault that could not be injected is recorded against every session, not skipped.
 */
async function faultCase(o: {
  name: string;
  stack: StackOptions;
  expect: Expectation;
  during?: (c: CaseContext) => Promise<void>;
  /** Checks of the case's own on a session (e.g. how long after a kill it ended). */
  extraChecks?: (outcome: SessionOutcome, finalAtMs: number | undefined) => void;
  notes: (c: CaseContext, finalAt: Map<number, number>) => string;
}): Promise<void> {
  const log = hostLog();
  const stack = await startStack({ hostLog: log, ...o.stack });
  try {
    const startedAt = performance.now();
    const done = new AbortController();
    const triggers = await triggerSessions(stack, SESSIONS);
    const c: CaseContext = { stack, triggers, startedAt, done: done.signal, background: [] };
    const injection = o.during
      ? await o.during(c).then(
          () => null,
          (e: unknown) => String(e),
        )
      : null;
    // A fault that could not be injected still lets the gated runs go on, so each session is judged
    // on what happened to it rather than all on the waiting.
    if (injection !== null) openGates(stack);
    const finalAt = await waitForFinalComments(
      stack,
      triggers,
      injection === null ? FINAL_WAIT_MS : 5_000,
      startedAt,
    );
    done.abort();
    await Promise.all(c.background);
    await sleep(SETTLE_MS);
    const outcomes: SessionOutcome[] = [];
    for (const t of triggers) {
      const outcome = await checkSession(stack, t, o.expect);
      if (t.status !== 202) outcome.problems.push({ kind: "other", what: `webhook answered ${t.status}` });
      if (injection !== null)
        outcome.problems.push({ kind: "other", what: `fault not injected: ${injection}` });
      o.extraChecks?.(outcome, finalAt.get(t.issueNumber));
      outcomes.push(outcome);
    }
    if (outcomes.some((x) => x.problems.length > 0)) {
      // A failure in CI is read from its output alone: the host's warnings and errors go with it.
      // The bridges' own warnings reach the host's log as its info lines.
      const trouble = log.lines
        .filter((l) => !l.startsWith("info: ") || /\[bridge\] (warn|error):/.test(l))
        .slice(-60);
      const comments = outcomes
        .filter((x) => x.problems.length > 0)
        .map(
          (x) =>
            `#${x.issueNumber}: ${(botCommentsOn(stack, x.issueNumber)[0]?.body ?? "(none)").slice(0, 600)}`,
        );
      process.stderr.write(
        `[${o.name}] the sandbox host's last warnings and errors:\n${trouble.join("\n")}\n` +
          `[${o.name}] the status comments of the sessions with problems:\n${comments.join("\n---\n")}\n`,
      );
    }
    finishCase({ group: "faults", name: o.name, outcomes, notes: o.notes(c, finalAt) });
  } finally {
    await stack.close();
  }
}

const WRITES = new Set(["POST", "PATCH", "PUT", "DELETE"]);

/**
 * What makes two requests attempts at the same write: method, path, and what the write says. A
 * comment says its headline (`### 🛠️ Working…`): the bot re-renders a status comment for every
 * attempt, and the rest of it (elapsed time, latest step) changes from one render to the next, while
 * a new headline is a new write (the final edit above all). Any other body (a PR, a reaction, a token
 * request) is the same on a retry and tells apart the writes of different sessions to one path.
 */
function writeKey(req: FaultRequest): string {
  let what = req.body ?? "";
  try {
    const json = JSON.parse(what) as { body?: unknown; title?: unknown };
    if (typeof json.body === "string" && json.title === undefined) {
      what = (json.body.split("\n")[0] ?? "").replace(/ · .*$/, "");
    }
  } catch {
    // not JSON: the raw body is the write
  }
  return `${req.method} ${req.path}\n${what}`;
}

/**
 * Fails the first attempt of every write the bot makes to GitHub's REST API (see writeKey) with
 * `fault`; the retry passes. Reads pass.
 */
function failFirstAttemptOfEveryWrite(fault: () => Fault): FaultPolicy {
  const seen = new Set<string>();
  return (req) => {
    if (!WRITES.has(req.method) || !req.path.startsWith("/api/v3/")) return null;
    const key = writeKey(req);
    if (seen.has(key)) return null;
    seen.add(key);
    return fault();
  };
}

const faultNotes = (finalAt: Map<number, number>, extra: string[] = []) =>
  [...extra, describeFinalTimes(finalAt, SESSIONS)].join("; ");

const githubFaultNotes = (c: CaseContext, finalAt: Map<number, number>) => {
  const stats = c.stack.proxies.github!.stats;
  return faultNotes(finalAt, [
    `${stats.faults.status} writes failed once out of ${stats.requests} API requests`,
  ]);
};

/**
 * Waits (bounded) until every session's sandbox is at its gate (gatedContributingScript): the agent
 * has written its work and waits for the test. Throws if that does not happen: the fault could not
 * be injected mid-run, and the case says so rather than reporting on runs it never hit.
 */
async function untilAllAtGate(c: CaseContext, timeoutMs = 100_000): Promise<Sandbox[]> {
  const atGate = (s: Sandbox) => s.running && existsSync(path.join(s.dir, "repo", WORK_FILE));
  const ok = await until(() => {
    const all = [...c.stack.host.sandboxes.values()];
    return all.length >= SESSIONS && all.every(atGate);
  }, timeoutMs);
  const all = [...c.stack.host.sandboxes.values()];
  if (!ok) {
    throw new Error(
      `only ${all.filter(atGate).length} of ${SESSIONS} runs reached the gate within ${seconds(timeoutMs)} ` +
        `(${all.length} sandboxes started, ${all.filter((s) => !s.running).length} already ended): cannot inject the fault mid-run`,
    );
  }
  return all;
}

/** Lets every gated run go on (and any agent left behind by a killed bridge end soon). */
function openGates(stack: Stack): void {
  for (const s of stack.host.sandboxes.values()) {
    try {
      writeFileSync(path.join(s.dir, "tmp", GATE_FILE), "");
    } catch {
      // the directory is gone: nothing waits there
    }
  }
}

/** Agent CLI processes still alive whose working directory is under the stack's sandboxes. */
function agentsLeftIn(stack: Stack): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv0 = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0")[0] ?? "";
      if (!/claude\.exe$|\/claude$/.test(argv0)) continue;
      if (readlinkSync(`/proc/${name}/cwd`).startsWith(stack.sandboxRoot)) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function describeDelays(ms: number[]): string {
  if (ms.length === 0) return "never";
  const sorted = [...ms].sort((a, b) => a - b);
  return `${seconds(sorted[Math.floor(sorted.length / 2)]!)} median, ${seconds(sorted.at(-1)!)} max`;
}

describe("faults", () => {
  it("(a) the bridge's WebSocket dropped at random moments during the run", async () => {
    await faultCase({
      name: "bridge WebSocket dropped every 200–600 ms during the runs",
      stack: { script: slowContributingScript(3), faults: { controlPlane: true } },
      expect: { status: "completed", work: "pushed" },
      async during(c) {
        const proxy = c.stack.proxies.controlPlane!;
        const dropper = async () => {
          // Bounded by the case: it ends when every comment is final (or the wait gives up).
          while (!c.done.aborted) {
            await sleep(200 + Math.random() * 400);
            proxy.dropSockets();
          }
        };
        c.background.push(dropper());
      },
      notes: (c, finalAt) => {
        const s = c.stack.proxies.controlPlane!.stats;
        return faultNotes(finalAt, [`${s.dropped} sockets dropped, ${s.upgrades} connections made`]);
      },
    });
  });

  it("(b) GitHub answering 502 to the first attempt of every write", async () => {
    await faultCase({
      name: "GitHub answers 502 to the first attempt of every write",
      stack: {
        script: slowContributingScript(1),
        faults: { github: failFirstAttemptOfEveryWrite(badGateway) },
      },
      expect: { status: "completed", work: "pushed" },
      notes: githubFaultNotes,
    });
  });

  it("(c) GitHub answering a 403 secondary rate limit to the first attempt of every write", async () => {
    await faultCase({
      name: "GitHub answers 403 secondary rate limit (retry-after: 1) to the first attempt of every write",
      stack: {
        script: slowContributingScript(1),
        faults: { github: failFirstAttemptOfEveryWrite(() => secondaryRateLimit(403, 1)) },
      },
      expect: { status: "completed", work: "pushed" },
      notes: githubFaultNotes,
    });
  });

  it("(c) GitHub answering 429 with retry-after to the first attempt of every write", async () => {
    await faultCase({
      name: "GitHub answers 429 (retry-after: 1) to the first attempt of every write",
      stack: {
        script: slowContributingScript(1),
        faults: { github: failFirstAttemptOfEveryWrite(() => secondaryRateLimit(429, 1)) },
      },
      expect: { status: "completed", work: "pushed" },
      notes: githubFaultNotes,
    });
  });

  it("(d) the model API failing every request", async () => {
    await faultCase({
      name: "model API answers 500 to every request",
      stack: {
        faults: {
          model: () => ({
            kind: "status",
            status: 500,
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              type: "error",
              error: { type: "api_error", message: "Internal server error" },
            }),
          }),
        },
      },
      expect: { status: "failed", work: "none", commentMatches: /500/ },
      notes: (c, finalAt) =>
        faultNotes(finalAt, [`${c.stack.proxies.model!.stats.faults.status} model requests failed`]),
    });
  });

  it("(e) the model API hanging", async () => {
    const timeLimitMs = 12_000;
    await faultCase({
      name: `model API hangs on every request (run time limit ${timeLimitMs / 1000} s)`,
      stack: { timeLimitMs, faults: { model: () => ({ kind: "hang", ms: 120_000 }) } },
      expect: { status: "failed", work: "none", commentMatches: /time limit/i },
      notes: (c, finalAt) =>
        faultNotes(finalAt, [`${c.stack.proxies.model!.stats.faults.hang} model requests hung`]),
    });
  });

  it("(f) the bridge process killed mid-run", async () => {
    // Short, but not so short that ten bridges starting at once on two busy cores (next to another
    // chaos file) miss it before their first event: the silence also covers a sandbox's start.
    const sandboxSilenceMs = 10_000;
    const killedAt = new Map<string, number>();
    const delays: number[] = [];
    let orphans = 0;
    await faultCase({
      // The host starts a second bridge in the same directory (recover-run.ts): it resends what the
      // first spooled, pushes the agent's work and ends the run, long before the silence timeout.
      name: `bridge killed (SIGKILL) mid-run, the host starts it again (silence timeout ${sandboxSilenceMs / 1000} s)`,
      stack: { script: gatedContributingScript(), sandboxSilenceMs, heartbeatMs: 2_000 },
      expect: { status: "failed", work: "pushed", commentMatches: /stopped unexpectedly/ },
      async during(c) {
        for (const s of await untilAllAtGate(c)) {
          const bridge = bridgePidOf(s.pid);
          if (bridge === null) throw new Error(`no bridge process for sandbox ${s.id}`);
          killedAt.set(s.sessionId, performance.now() - c.startedAt);
          process.kill(bridge, "SIGKILL");
        }
        await sleep(1_000);
        orphans = agentsLeftIn(c.stack).length;
        // Nothing waits for the orphans' gates any more: let them end rather than linger.
        openGates(c.stack);
      },
      extraChecks(outcome, finalAtMs) {
        const killed = outcome.sessionId ? killedAt.get(outcome.sessionId) : undefined;
        if (killed === undefined || finalAtMs === undefined) return;
        delays.push(finalAtMs - killed);
        // The alarm polls, the comment write takes a round trip: allow 5 s beyond the silence.
        if (finalAtMs < killed) {
          outcome.problems.push({ kind: "other", what: "ended before the kill (a live sandbox timed out)" });
        } else if (finalAtMs - killed > sandboxSilenceMs + 5_000) {
          outcome.problems.push({
            kind: "other",
            what: `final comment more than ${seconds(sandboxSilenceMs + 5_000)} after the kill (silence ${seconds(sandboxSilenceMs)})`,
          });
        }
      },
      notes: (_c, finalAt) =>
        faultNotes(finalAt, [
          `${killedAt.size} bridges killed at once, each while its agent waited with its work written; final comment ${describeDelays(delays)} after the kill; ${orphans} agent processes alive 1 s after their bridge died`,
        ]),
    });
  });

  it("(g) the agent process killed mid-run", async () => {
    let killed = 0;
    await faultCase({
      name: "agent CLI killed (SIGKILL) mid-run, after it wrote its work",
      stack: { script: gatedContributingScript() },
      expect: { status: "failed", work: "pushed" },
      async during(c) {
        for (const s of await untilAllAtGate(c)) {
          const pids = agentPidsUnder(s.pid);
          if (pids.length === 0) throw new Error(`no agent process under sandbox ${s.id}`);
          for (const pid of pids) {
            process.kill(pid, "SIGKILL");
            killed += 1;
          }
        }
        // The Bash step runs in a session of its own and may outlive the CLI: let it end.
        openGates(c.stack);
      },
      notes: (_c, finalAt) => faultNotes(finalAt, [`${killed} agent processes killed at once`]),
    });
  });

  it("(h) the sandbox host closed mid-run", async () => {
    await faultCase({
      name: "sandbox host shut down mid-run (SIGTERM to every sandbox, 10 s grace)",
      stack: { script: gatedContributingScript(), killGraceMs: 10_000 },
      expect: { status: "failed", work: "pushed" },
      async during(c) {
        await untilAllAtGate(c);
        await c.stack.host.close();
      },
      notes: (_c, finalAt) => faultNotes(finalAt),
    });
  });

  it("(i) workerd restarted with its state kept while runs are live", async () => {
    const restarts: number[] = [];
    await faultCase({
      name: "workerd restarted twice (state kept) while the runs are live",
      stack: { script: gatedContributingScript(), persistTo: true },
      expect: { status: "completed", work: "pushed" },
      async during(c) {
        const workerds = () =>
          new Set(
            descendants(process.pid)
              .filter((p) => kindOf(p) === "workerd")
              .map((p) => p.pid),
          );
        const restart = async () => {
          const before = workerds();
          const t0 = performance.now();
          await c.stack.restartControlPlane();
          restarts.push(performance.now() - t0);
          // A restart that kept the old process would prove nothing.
          const after = workerds();
          if (after.size === 0 || [...after].some((pid) => before.has(pid))) {
            throw new Error(`workerd was not replaced (before ${[...before]}, after ${[...after]})`);
          }
        };
        // Once as soon as every session has its sandbox (some still cloning), once with every agent
        // at its gate; then the runs go on to commit, push and open their PRs.
        const spawned = await until(() => c.stack.host.sandboxes.size >= SESSIONS, 60_000);
        if (!spawned) throw new Error("not every session got a sandbox: cannot restart mid-run");
        await restart();
        await untilAllAtGate(c);
        await restart();
        openGates(c.stack);
      },
      notes: (_c, finalAt) =>
        faultNotes(finalAt, [`restarts took ${restarts.map((ms) => seconds(ms)).join(" and ")}`]),
    });
  });
});
