/**
 * recoverRun against the state a dead bridge leaves: a checkout, a run record and a spool with
 * events the control plane never acknowledged. The first bridge is played by its own parts (the
 * checkout, the record, a spooled stream that is abandoned without a drain, as a killed process
 * abandons it).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { bridgeSpec, bridgeWorkDir } from "../../../test/support/bridge/bridge-spec.js";
import { startFakeControlPlane } from "../../../test/support/bridge/fake-control-plane.js";
import { createGitRemote } from "../../../test/support/bridge/git-remote.js";
import type { Event } from "../../core/wire.js";
import { createEventStream, sandboxSocketUrl } from "./event-stream.js";
import { git, gitMaybe } from "./git.js";
import { silentLog } from "./log.js";
import { prepareCheckout } from "./prepare-checkout.js";
import { recoverRun, spoolPathIn } from "./recover-run.js";
import { markRunEnded, type RunPhase, readRunRecord, recordOf, writeRunRecord } from "./run-record.js";
import { snapshotGitConfig } from "./seal-checkout.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const fast = { backoffInitialMs: 10, backoffMaxMs: 50 };
const types = (events: Event[]) => events.map((e) => e.type);

/** A first bridge that got as far as `phase`, spooled `sent` events of which the control plane kept none, and died. */
async function deadBridge(phase: RunPhase | null, sent: number, ended = false) {
  const root = mkdtempSync(join(tmpdir(), "understudy-recover-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  // Until the first bridge is dead, everything it sends is lost in flight; the recovering bridge's arrives.
  const first = { dead: false };
  const cp = await startFakeControlPlane({
    intercept: (events) => (first.dead ? { keep: events, close: false } : { keep: [], close: true }),
  });
  cleanups.push(() => cp.close());
  const remote = createGitRemote(root);
  const spec = bridgeSpec(cp, remote.url);
  const workDir = bridgeWorkDir(root);
  const stream = createEventStream({
    url: sandboxSocketUrl(spec.controlUrl, spec.sessionId),
    token: spec.token,
    startSeq: 0,
    ...fast,
    giveUpAfterMs: 60_000,
    spool: { path: spoolPathIn(workDir), sessionId: spec.sessionId, run: spec.run },
  });
  for (let i = 1; i <= sent; i++) stream.emit({ type: "assistant_text", data: { text: `before ${i}` } });
  if (ended) {
    stream.emit({
      type: "execution_complete",
      data: { success: false, error: "Could not prepare the checkout" },
    });
    markRunEnded(workDir, spec.sessionId, spec.run);
  }
  if (phase) {
    const checkout = await prepareCheckout(spec, join(workDir, "repo"), "unused-token");
    const gitConfig = await snapshotGitConfig(checkout.repoDir);
    writeRunRecord(workDir, recordOf(spec.sessionId, spec.run, phase, checkout, gitConfig, null));
    // The agent's work, uncommitted, and a config key it planted for the bridge's git to run.
    writeFileSync(join(checkout.repoDir, "saved.txt"), "the agent's work\n");
    // A clean filter the bridge's own `git add` would run, were the checkout not sealed first.
    await git(["config", "filter.x.clean", `touch ${join(root, "pwned")}; cat`], { cwd: checkout.repoDir });
    writeFileSync(join(checkout.repoDir, ".git", "info", "attributes"), "* filter=x\n");
    // Killed mid-`git add`: the lock file stays.
    writeFileSync(join(checkout.repoDir, ".git", "index.lock"), "");
  }
  // Killed: the stream is abandoned where it stands, nothing drained.
  await cp.waitFor(() => cp.received.length >= sent + (ended ? 1 : 0), 5_000);
  stream.close();
  // What the dead stream had in flight reaches the server as lost, not as stored.
  await new Promise((resolve) => setTimeout(resolve, 300));
  first.dead = true;
  return { root, cp, remote, spec, workDir };
}

it("resends what the dead bridge spooled, pushes the agent's work, and ends the run as failed", async () => {
  const { root, cp, remote, spec, workDir } = await deadBridge("agent", 30);
  const result = await recoverRun(spec, {
    workDir,
    spoolPath: spoolPathIn(workDir),
    firstExit: "killed by SIGKILL",
    log: silentLog,
    stream: fast,
  });

  expect(result).toMatchObject({ exitCode: 0, success: false, pushed: true });
  const events = cp.events();
  // Every seq once, from 1: the 30 spooled events, then the recovering bridge's own.
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(events.slice(0, 30).map((e) => (e.type === "assistant_text" ? e.data.text : e.type))).toEqual(
    Array.from({ length: 30 }, (_, i) => `before ${i + 1}`),
  );
  expect(types(events.slice(30))).toEqual([
    "error",
    "sandbox_status",
    "sandbox_status",
    "push_complete",
    "execution_complete",
  ]);
  const end = events.at(-1)!;
  expect(end.type === "execution_complete" && end.data).toMatchObject({
    success: false,
    error: expect.stringContaining("stopped unexpectedly (killed by SIGKILL)"),
  });
  // The work is on the branch (the stale index lock did not stop it), and the planted filter never ran.
  const shown = await git(["--git-dir", remote.dir, "show", `${spec.repo.branch}:saved.txt`]);
  expect(shown).toBe("the agent's work");
  expect(() => readFileSync(join(root, "pwned"))).toThrow();
  expect(readRunRecord(workDir)?.phase).toBe("done");
  expect(cp.problems).toEqual([]);
});

it("pushes nothing when the first bridge died before the agent started", async () => {
  const { cp, remote, spec, workDir } = await deadBridge("setup", 5);
  const result = await recoverRun(spec, {
    workDir,
    spoolPath: spoolPathIn(workDir),
    firstExit: "exit 1",
    stream: fast,
  });
  expect(result).toMatchObject({ exitCode: 0, pushed: false });
  expect(types(cp.events())).toEqual([...Array(5).fill("assistant_text"), "error", "execution_complete"]);
  expect(
    await gitMaybe(["--git-dir", remote.dir, "rev-parse", "--verify", "--quiet", spec.repo.branch]),
  ).toBe(null);
});

it("ends a run whose first bridge died before its checkout existed", async () => {
  const { cp, spec, workDir } = await deadBridge(null, 3);
  const result = await recoverRun(spec, {
    workDir,
    spoolPath: spoolPathIn(workDir),
    firstExit: "exit 1",
    stream: fast,
  });
  expect(result.exitCode).toBe(0);
  expect(types(cp.events())).toEqual([
    "assistant_text",
    "assistant_text",
    "assistant_text",
    "error",
    "execution_complete",
  ]);
});

it("only resends when the run had ended before its bridge died", async () => {
  const { cp, remote, spec, workDir } = await deadBridge("done", 12);
  const result = await recoverRun(spec, {
    workDir,
    spoolPath: spoolPathIn(workDir),
    firstExit: "exit 1",
    stream: fast,
  });
  expect(result.exitCode).toBe(0);
  expect(types(cp.events())).toEqual(Array(12).fill("assistant_text"));
  expect(
    await gitMaybe(["--git-dir", remote.dir, "rev-parse", "--verify", "--quiet", spec.repo.branch]),
  ).toBe(null);
});

it("does not act on the record of another run", async () => {
  const { cp, remote, spec, workDir } = await deadBridge("agent", 2);
  const result = await recoverRun(
    { ...spec, run: 2 },
    { workDir, spoolPath: join(workDir, "other.spool"), firstExit: "exit 1", stream: fast },
  );
  expect(result).toMatchObject({ exitCode: 0, pushed: false });
  expect(types(cp.events())).toEqual(["error", "execution_complete"]);
  expect(
    await gitMaybe(["--git-dir", remote.dir, "rev-parse", "--verify", "--quiet", spec.repo.branch]),
  ).toBe(null);
});

it("only resends when the first bridge had ended its run, though it died before its checkout existed", async () => {
  const { cp, spec, workDir } = await deadBridge(null, 2, true);
  const result = await recoverRun(spec, {
    workDir,
    spoolPath: spoolPathIn(workDir),
    firstExit: "exit 1",
    stream: fast,
  });
  expect(result.exitCode).toBe(0);
  expect(types(cp.events())).toEqual(["assistant_text", "assistant_text", "execution_complete"]);
});
