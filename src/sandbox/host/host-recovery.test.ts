/**
 * A bridge killed in the middle of a real run (the real built bridge, the real Claude Code CLI in
 * bubblewrap, a real git remote): the host starts it again in the same sandbox directory, and the
 * second bridge resends what the first spooled, pushes what the agent wrote and ends the run, so the
 * control plane hears the end at once instead of after its silence timeout, and no work is lost.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import { bridgePidOf } from "../../../test/chaos/support/proc-stats.js";
import { startFakeControlPlane } from "../../../test/support/bridge/fake-control-plane.js";
import { createGitRemote } from "../../../test/support/bridge/git-remote.js";
import type { SandboxSpec } from "../../core/wire.js";
import { type ModelScript, startModelServer } from "../../demo/model-server.js";
import { silentLog } from "../bridge/log.js";
import { startSandboxHost } from "./start-sandbox-host.js";

const SECRET = "host-secret-0123456789abcdef";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(check: () => boolean, what: string, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

it("starts a killed bridge again, which pushes the agent's work and ends the run with every event once", async () => {
  const root = mkdtempSync(join(tmpdir(), "understudy-recovery-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const remote = createGitRemote(root);
  // The agent writes a file, then its next model call hangs until the test is over: the moment to kill.
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  cleanups.push(() => release());
  const script: ModelScript = async ({ turn, cwd }) => {
    if (turn === 0)
      return {
        blocks: [
          { type: "text", text: "Writing the notes first." },
          { type: "tool_use", name: "Write", input: { file_path: `${cwd}/NOTES.md`, content: "# Notes\n" } },
        ],
      };
    await held;
    return { blocks: [{ type: "text", text: "Done." }] };
  };
  const model = await startModelServer(script);
  cleanups.push(() => model.close());
  const cp = await startFakeControlPlane();
  cleanups.push(() => cp.close());
  const lines: string[] = [];
  const log = { ...silentLog, info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) };
  const host = await startSandboxHost({
    root: join(root, "sandboxes"),
    secret: SECRET,
    modelEnv: { baseUrl: model.url, apiKey: "test-key" },
    log,
  });
  cleanups.push(() => host.close());

  const spec: SandboxSpec = {
    sessionId: cp.sessionId,
    run: 1,
    controlUrl: cp.url,
    token: cp.token,
    repo: {
      cloneUrl: remote.url,
      owner: "acme",
      name: "widgets",
      baseBranch: "main",
      branch: "understudy/9-notes",
    },
    prompt: "Write some notes",
    agent: "claude-code",
    startSeq: 0,
    author: { name: "understudy[bot]", email: "bot@example.com" },
    coAuthor: { name: "Ada Lovelace", email: "ada@example.com" },
    commitTitle: "Understudy: write some notes",
    timeLimitMs: 120_000,
  };
  const res = await fetch(`${host.url}/sandboxes`, {
    method: "POST",
    headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/json" },
    body: JSON.stringify(spec),
  });
  expect(res.status).toBe(201);
  const { sandboxId } = (await res.json()) as { sandboxId: string };
  const sandbox = host.sandboxes.get(sandboxId)!;

  await until(
    () => existsSync(join(sandbox.dir, "repo", "NOTES.md")) && model.requests.length >= 2,
    "the agent to write NOTES.md and ask for its next turn",
  );
  const firstPid = sandbox.pid;
  // The bridge is PID 1 of the namespace that `unshare` (the spawned process) made.
  const bridge = bridgePidOf(firstPid);
  expect(bridge).not.toBeNull();
  process.kill(bridge!, "SIGKILL");
  await sandbox.exited;

  expect(sandbox.pid).not.toBe(firstPid);
  expect(sandbox.exitCode).toBe(0);
  expect(lines.some((l) => l.includes("the bridge died") && l.includes("starting it again"))).toBe(true);
  const events = cp.events();
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(cp.problems).toEqual([]);
  // What the first bridge sent of the agent's work is there, followed by the second bridge's end.
  expect(events.some((e) => e.type === "tool_call" && e.data.name === "Write")).toBe(true);
  const pushed = events.find((e) => e.type === "push_complete");
  expect(pushed?.data).toMatchObject({ branch: spec.repo.branch, pushed: true, commitsAhead: 1 });
  const end = events.at(-1)!;
  expect(end.type).toBe("execution_complete");
  expect(end.type === "execution_complete" && end.data.error).toMatch(/stopped unexpectedly/);
  expect(events.filter((e) => e.type === "execution_complete")).toHaveLength(1);

  const ref = `refs/heads/${spec.repo.branch}`;
  expect(remote.git(["show", `${ref}:NOTES.md`])).toBe("# Notes");
  expect(remote.git(["log", "-1", "--format=%B", ref])).toContain(
    "Co-authored-by: Ada Lovelace <ada@example.com>",
  );
});
