/**
 * The whole sandbox side for real: the host spawns the real bridge process (tsx), which clones a
 * local remote, runs the real Claude Code CLI against the scripted model server, and commits and
 * pushes what it wrote, streaming events to a fake control plane.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { bashScript, contributingScript, startModelServer } from "../../../test/support/model-server.js";
import type { Event, SandboxSpec } from "../../core/wire.js";
import { silentLog } from "../bridge/log.js";
import { startFakeControlPlane } from "../bridge/test-support/fake-control-plane.js";
import { createGitRemote } from "../bridge/test-support/git-remote.js";
import { startSandboxHost } from "./start-sandbox-host.js";

const SECRET = "host-secret-0123456789abcdef";
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it("runs a real session: clone, Claude Code writes CONTRIBUTING.md, commit and push, every event acked", async () => {
  const root = mkdtempSync(join(tmpdir(), "understudy-e2e-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const remote = createGitRemote(root);
  const model = await startModelServer(contributingScript());
  cleanups.push(() => model.close());
  const cp = await startFakeControlPlane();
  cleanups.push(() => cp.close());
  const lines: string[] = [];
  const log = { ...silentLog, info: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
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
      branch: "understudy/3-contributing",
    },
    prompt: "Document how to run the tests in a CONTRIBUTING.md",
    agent: "claude-code",
    startSeq: 0,
    author: { name: "understudy[bot]", email: "bot@example.com" },
    coAuthor: { name: "Ada Lovelace", email: "ada@example.com" },
    commitTitle: "Understudy: document how to run the tests",
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
  await sandbox.exited;

  expect({ exitCode: sandbox.exitCode, log: lines.filter((l) => /error|fatal/i.test(l)) }).toEqual({
    exitCode: 0,
    log: [],
  });
  const events = cp.events();
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(cp.problems).toEqual([]);
  const of = <T extends Event["type"]>(type: T) => events.filter((e) => e.type === type);
  expect(of("tool_call").map((e) => (e.data as { tool: string }).tool)).toEqual(
    expect.arrayContaining(["Bash", "Write"]),
  );
  expect(of("push_complete")[0]?.data).toMatchObject({ pushed: true, commitsAhead: 1 });
  expect(events.at(-1)).toMatchObject({ type: "execution_complete", data: { success: true } });
  expect((events.at(-1)?.data as { summary?: string } | undefined)?.summary).toMatch(/^Add CONTRIBUTING\.md/);

  const ref = `refs/heads/${spec.repo.branch}`;
  expect(remote.git(["show", `${ref}:CONTRIBUTING.md`])).toContain("npm test");
  expect(remote.git(["log", "-1", "--format=%B", ref])).toContain(
    "Co-authored-by: Ada Lovelace <ada@example.com>",
  );
  expect(model.unexpected).toEqual([]);
  // The sandbox directory outlives the run.
  expect(readdirSync(sandbox.dir)).toEqual(expect.arrayContaining(["repo", "home", "tmp"]));
});

it("on DELETE, the real bridge stops the agent and still commits and pushes what it wrote", async () => {
  const root = mkdtempSync(join(tmpdir(), "understudy-e2e-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const remote = createGitRemote(root);
  const model = await startModelServer(bashScript("echo partial > partial.txt && sleep 60"));
  cleanups.push(() => model.close());
  const cp = await startFakeControlPlane();
  cleanups.push(() => cp.close());
  const host = await startSandboxHost({
    root: join(root, "sandboxes"),
    secret: SECRET,
    modelEnv: { baseUrl: model.url, apiKey: "test-key" },
    log: silentLog,
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
      branch: "understudy/4-slow",
    },
    prompt: "Take your time",
    agent: "claude-code",
    startSeq: 0,
    author: { name: "understudy[bot]", email: "bot@example.com" },
    coAuthor: { name: "Ada Lovelace", email: "ada@example.com" },
    commitTitle: "Understudy: take your time",
    timeLimitMs: 120_000,
  };
  const auth = { authorization: `Bearer ${SECRET}` };
  const res = await fetch(`${host.url}/sandboxes`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify(spec),
  });
  const { sandboxId } = (await res.json()) as { sandboxId: string };
  const sandbox = host.sandboxes.get(sandboxId)!;
  // Bounded wait for the agent's command to have written its file.
  for (let i = 0; i < 600 && !existsSync(join(sandbox.dir, "repo", "partial.txt")); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }

  const del = await fetch(`${host.url}/sandboxes/${sandboxId}`, { method: "DELETE", headers: auth });
  expect(del.status).toBe(204);
  // The bridge finished on SIGTERM by itself, within the grace, with every event acknowledged.
  expect({ exitCode: sandbox.exitCode, signal: sandbox.signal }).toEqual({ exitCode: 0, signal: null });
  const last = cp.events().at(-1);
  expect(last).toMatchObject({ type: "execution_complete", data: { success: false } });
  expect((last?.data as { error?: string } | undefined)?.error).toMatch(
    /^Stopped: the sandbox was shut down/,
  );
  expect(remote.git(["show", `refs/heads/${spec.repo.branch}:partial.txt`])).toBe("partial");
});
