/**
 * A run's budget of turns and dollars: reaching either stops the agent, the work so far is committed
 * and pushed, and the run's error names the cap that ended it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { bridgeSpec, bridgeWorkDir } from "../../../test/support/bridge/bridge-spec.js";
import { startFakeControlPlane } from "../../../test/support/bridge/fake-control-plane.js";
import { createGitRemote } from "../../../test/support/bridge/git-remote.js";
import type { EventInput, SandboxSpec } from "../../core/wire.js";
import type { Agent, AgentOptions } from "../agents/agent.js";
import { runBridge } from "./run-bridge.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An agent that works turn after turn (a file per turn) until it is stopped; at most 50 turns. */
function busyAgent(perTurn: (turn: number) => EventInput[] = () => []): {
  agent: Agent;
  seen: () => AgentOptions | undefined;
  turns: () => number;
} {
  let seen: AgentOptions | undefined;
  let turns = 0;
  const agent: Agent = async (opts, onEvent) => {
    seen = opts;
    for (let turn = 1; turn <= 50 && !opts.signal?.aborted; turn++) {
      turns = turn;
      onEvent({ type: "assistant_text", data: { text: `Turn ${turn}` } });
      onEvent({
        type: "tool_call",
        data: { callId: `c${turn}`, kind: "write", name: "Write", path: `t${turn}.txt`, status: "running" },
      });
      writeFileSync(join(opts.cwd, `t${turn}.txt`), `${turn}\n`);
      onEvent({ type: "tool_result", data: { callId: `c${turn}`, output: "ok", isError: false } });
      for (const e of perTurn(turn)) onEvent(e);
      await new Promise((r) => setTimeout(r, 5));
    }
    return opts.signal?.aborted
      ? { success: false, error: "Stopped: the run was aborted", durationMs: 1, exitCode: null }
      : { success: true, summary: "Done", durationMs: 1, exitCode: 0 };
  };
  return { agent, seen: () => seen, turns: () => turns };
}

async function run(agent: Agent, budget: SandboxSpec["budget"]) {
  const root = mkdtempSync(join(tmpdir(), "understudy-budget-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const cp = await startFakeControlPlane({ startSeq: 0 });
  cleanups.push(() => cp.close());
  const remote = createGitRemote(root);
  const workDir = bridgeWorkDir(root);
  const spec = bridgeSpec(cp, remote.url, budget ? { budget } : {});

  const result = await runBridge(spec, {
    agent,
    workDir,
    modelEnv: {},
    stream: { backoffInitialMs: 10, backoffMaxMs: 50 },
  });
  return { result, events: cp.events(), remote, spec };
}

it("stops at the turn budget, pushes the work so far, and says which cap ended the run", async () => {
  const busy = busyAgent();
  const { result, events, remote, spec } = await run(busy.agent, { maxTurns: 3, maxCostUsd: 5 });
  // The fourth turn's first event is the one past the budget: the agent is stopped there.
  expect(busy.turns()).toBe(4);
  expect(busy.seen()?.maxCostUsd).toBe(5);
  expect(result.success).toBe(false);
  expect(result.pushed).toBe(true);
  const done = events.find((e) => e.type === "execution_complete");
  expect(done?.data).toMatchObject({ success: false });
  expect((done?.data as { error?: string } | undefined)?.error).toMatch(/^Turn budget of 3 turns reached/);
  for (const turn of [1, 2, 3]) {
    expect(remote.git(["show", `refs/heads/${spec.repo.branch}:t${turn}.txt`])).toBe(String(turn));
  }
});

it("stops when the cost the agent reports passes the cost budget", async () => {
  const busy = busyAgent(() => [
    { type: "step_finish", data: { tokens: { input: 1000, output: 100 }, costUsd: 0.6 } },
  ]);
  const { result, events } = await run(busy.agent, { maxTurns: 100, maxCostUsd: 1 });
  expect(busy.turns()).toBe(2);
  expect(result.success).toBe(false);
  const done = events.find((e) => e.type === "execution_complete");
  expect((done?.data as { error?: string } | undefined)?.error).toMatch(
    /^Cost budget of \$1\.00 reached \(\$1\.20 used\)/,
  );
});

it("without a budget, the agent runs to its end", async () => {
  const busy = busyAgent();
  const { result } = await run(busy.agent, undefined);
  expect(busy.turns()).toBe(50);
  expect(result.success).toBe(true);
});
