import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { bridgeSpec, bridgeWorkDir } from "../../../test/support/bridge/bridge-spec.js";
import {
  type FakeControlPlane,
  startFakeControlPlane,
} from "../../../test/support/bridge/fake-control-plane.js";
import { createGitRemote, type GitRemote } from "../../../test/support/bridge/git-remote.js";
import { serveGitRemote } from "../../../test/support/bridge/serve-git-remote.js";
import type { Event, SandboxSpec } from "../../core/wire.js";
import type { Agent, AgentOptions } from "../agents/agent.js";
import { silentLog } from "./log.js";
import { runBridge } from "./run-bridge.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Setup = { cp: FakeControlPlane; remote: GitRemote; root: string };

async function setup(startSeq = 0): Promise<Setup> {
  const root = mkdtempSync(join(tmpdir(), "understudy-bridge-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const cp = await startFakeControlPlane({ startSeq });
  cleanups.push(() => cp.close());
  return { cp, remote: createGitRemote(root), root };
}

function specFor({ cp, remote }: Setup, overrides: Partial<SandboxSpec> = {}): SandboxSpec {
  return bridgeSpec(cp, remote.url, overrides);
}

const workDir = bridgeWorkDir;

const deps = (root: string, agent: Agent) => ({
  agent,
  workDir: workDir(root),
  modelEnv: { baseUrl: "http://127.0.0.1:9", apiKey: "sk-ant-test-key-not-real" },
  stream: { backoffInitialMs: 10, backoffMaxMs: 50 },
});

/** Stored events must be exactly startSeq+1 … startSeq+n. */
function expectGapless(events: Event[], startSeq: number) {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => startSeq + 1 + i));
}

const types = (events: Event[]) => events.map((e) => e.type);
const last = (events: Event[]) => events[events.length - 1]!;

it("clones, runs the agent with a clean env, commits with the trailer and pushes the session branch", async () => {
  const s = await setup();
  // Over HTTP, demanding a token the control plane handed out: clone and push must both carry one.
  const served = await serveGitRemote(s.remote, { accepts: (p) => s.cp.gitTokens.includes(p) });
  cleanups.push(() => served.close());
  const spec = specFor(s, { repo: { ...specFor(s).repo, cloneUrl: served.url } });
  let seen: AgentOptions | undefined;
  const agent: Agent = async (opts, onEvent) => {
    seen = opts;
    onEvent({ type: "assistant_text", data: { text: "Writing hello.txt" } });
    writeFileSync(join(opts.cwd, "hello.txt"), "hello\n");
    return { success: true, summary: "Add hello.txt\n\nA friendly file.", durationMs: 5, exitCode: 0 };
  };
  const warnings: string[] = [];
  const d = { ...deps(s.root, agent), log: { ...silentLog, warn: (m: string) => warnings.push(m) } };
  const result = await runBridge(spec, d);

  expect(result).toEqual({ exitCode: 0, success: true, pushed: true, error: undefined });
  expect(served.requests.filter((r) => r.accepted).map((r) => r.password)).toEqual(
    expect.arrayContaining(s.cp.gitTokens),
  );
  expect(served.requests.some((r) => r.accepted && r.path.endsWith("/git-receive-pack"))).toBe(true);
  const events = s.cp.events();
  expectGapless(events, 0);
  expect(s.cp.problems).toEqual([]);
  const order = types(events).filter((t) =>
    ["git_sync", "user_message", "assistant_text", "push_complete", "execution_complete"].includes(t),
  );
  expect(order).toEqual([
    "git_sync",
    "user_message",
    "assistant_text",
    "push_complete",
    "execution_complete",
  ]);
  expect(events.find((e) => e.type === "git_sync")?.data).toMatchObject({
    branch: spec.repo.branch,
    base: "main",
    created: true,
  });
  const push = events.find((e) => e.type === "push_complete");
  expect(push?.data).toMatchObject({ branch: spec.repo.branch, commitsAhead: 1, pushed: true });
  expect(last(events)).toMatchObject({
    type: "execution_complete",
    data: { success: true, summary: "Add hello.txt\n\nA friendly file." },
  });

  // The remote branch has the file, in a commit with the co-author trailer, by the bot.
  const ref = `refs/heads/${spec.repo.branch}`;
  expect(s.remote.git(["show", `${ref}:hello.txt`])).toBe("hello");
  expect(s.remote.git(["rev-parse", ref])).toBe((push?.data as { sha: string } | undefined)?.sha);
  const message = s.remote.git(["log", "-1", "--format=%B", ref]);
  expect(message.split("\n")[0]).toBe(spec.commitTitle);
  expect(message).toContain("Add hello.txt");
  expect(message).toMatch(/\n\nCo-authored-by: Ada Lovelace <ada@example\.com>$/);
  expect(s.remote.git(["log", "-1", "--format=%an <%ae>", ref])).toBe(
    "understudy[bot] <1+understudy[bot]@users.noreply.github.com>",
  );

  // The agent ran in the checkout with the sandbox's HOME and no credential but the model key.
  expect(seen?.cwd).toBe(join(d.workDir, "repo"));
  expect(seen?.env.HOME).toBe(join(d.workDir, "home"));
  expect(seen?.env.TMPDIR).toBe(join(d.workDir, "tmp"));
  const envText = JSON.stringify(seen?.env);
  expect(s.cp.gitTokens).toHaveLength(2); // one to clone, a fresh one to push
  for (const secret of [spec.token, ...s.cp.gitTokens]) expect(envText).not.toContain(secret);
  expect(Object.keys(seen?.env ?? {}).filter((k) => /GITHUB|GH_|GIT_|TOKEN/.test(k))).toEqual([]);
  // …and no token was left in the checkout's git config.
  const config = readFileSync(join(d.workDir, "repo", ".git", "config"), "utf8");
  for (const secret of s.cp.gitTokens) expect(config).not.toContain(secret);
  expect(config.toLowerCase()).not.toContain("extraheader");
  expect(config.toLowerCase()).not.toContain("credential");
  // The agent's warnings (e.g. no PID namespace here) reach the bridge's log.
  seen?.warn?.("no namespace");
  expect(warnings).toEqual(["no namespace"]);
});

it("still commits and pushes what a crashing agent wrote, and reports the run as failed", async () => {
  const s = await setup();
  const spec = specFor(s);
  const agent: Agent = async (opts) => {
    writeFileSync(join(opts.cwd, "half.txt"), "half done\n");
    throw new Error("segfault in the agent");
  };
  const result = await runBridge(spec, deps(s.root, agent));

  expect(result.exitCode).toBe(0);
  expect(result.success).toBe(false);
  expect(result.pushed).toBe(true);
  const events = s.cp.events();
  expectGapless(events, 0);
  expect(events.find((e) => e.type === "push_complete")?.data).toMatchObject({
    pushed: true,
    commitsAhead: 1,
  });
  const done = last(events);
  expect(done.type).toBe("execution_complete");
  expect(done.data).toMatchObject({ success: false });
  expect((done.data as { error: string }).error).toContain("segfault in the agent");
  expect(s.remote.git(["show", `refs/heads/${spec.repo.branch}:half.txt`])).toBe("half done");
  expect(s.remote.git(["log", "-1", "--format=%B", `refs/heads/${spec.repo.branch}`])).toContain(
    "The run did not finish",
  );
});

it("commits and pushes past the lock files a git killed with the agent left behind", async () => {
  const s = await setup();
  const spec = specFor(s);
  const agent: Agent = async (opts) => {
    writeFileSync(join(opts.cwd, "half.txt"), "half done\n");
    // The agent's `git status` died with it while it held the index's lock.
    writeFileSync(join(opts.cwd, ".git", "index.lock"), "");
    return { success: false, error: "Claude Code was killed by SIGKILL", durationMs: 1, exitCode: null };
  };
  const result = await runBridge(spec, deps(s.root, agent));

  expect(result.pushed).toBe(true);
  expect(s.cp.events().some((e) => e.type === "push_error")).toBe(false);
  expect(s.remote.git(["show", `refs/heads/${spec.repo.branch}:half.txt`])).toBe("half done");
});

it("reports pushed:false when the agent changed nothing", async () => {
  const s = await setup();
  const spec = specFor(s);
  const agent: Agent = async () => ({ success: true, summary: "Nothing to do", durationMs: 1, exitCode: 0 });
  const result = await runBridge(spec, deps(s.root, agent));

  expect(result).toMatchObject({ exitCode: 0, success: true, pushed: false });
  const events = s.cp.events();
  expectGapless(events, 0);
  expect(events.find((e) => e.type === "push_complete")?.data).toMatchObject({
    pushed: false,
    commitsAhead: 0,
  });
  expect(types(events)).not.toContain("push_error");
  expect(last(events)).toMatchObject({ type: "execution_complete", data: { success: true } });
  expect(s.remote.git(["branch", "--list", spec.repo.branch])).toBe("");
  expect(s.cp.gitTokens).toHaveLength(1); // no push, no second token
});

it("continues an existing session branch on a follow-up run, keeping the agent's own commits", async () => {
  const s = await setup();
  const first = specFor(s);
  await runBridge(
    first,
    deps(s.root, async (opts) => {
      writeFileSync(join(opts.cwd, "one.txt"), "1\n");
      return { success: true, durationMs: 1, exitCode: 0 };
    }),
  );
  const startSeq = s.cp.events().length;
  const second = specFor(s, { run: 2, startSeq, prompt: "Now add two" });
  const result = await runBridge(
    second,
    deps(s.root, async (opts) => {
      // The agent commits by itself; the bridge only has to push.
      writeFileSync(join(opts.cwd, "two.txt"), "2\n");
      const { execFileSync } = await import("node:child_process");
      execFileSync("git", ["add", "two.txt"], {
        cwd: opts.cwd,
        env: { ...opts.env, GIT_CONFIG_GLOBAL: "/dev/null" },
      });
      execFileSync("git", ["commit", "-q", "-m", "Add two"], {
        cwd: opts.cwd,
        env: { ...opts.env, GIT_CONFIG_GLOBAL: "/dev/null" },
      });
      expect(readFileSync(join(opts.cwd, "one.txt"), "utf8")).toBe("1\n");
      return { success: true, durationMs: 1, exitCode: 0 };
    }),
  );

  expect(result).toMatchObject({ exitCode: 0, success: true, pushed: true });
  const events = s.cp.events();
  expectGapless(events, 0);
  const run2 = events.filter((e) => e.seq > startSeq);
  expect(run2.find((e) => e.type === "git_sync")?.data).toMatchObject({ created: false });
  expect(run2.find((e) => e.type === "push_complete")?.data).toMatchObject({ pushed: true, commitsAhead: 2 });
  const ref = `refs/heads/${second.repo.branch}`;
  expect(s.remote.git(["log", "--format=%s", ref]).split("\n")).toEqual([
    "Add two",
    first.commitTitle,
    "Initial commit",
  ]);
  // The agent's commit carries the repo-local identity the bridge set.
  expect(s.remote.git(["log", "-1", "--format=%an", ref])).toBe("understudy[bot]");
});

it("aborts the agent on a stop message, then commits and pushes what it wrote", async () => {
  const s = await setup();
  const spec = specFor(s);
  const agent: Agent = (opts) => {
    writeFileSync(join(opts.cwd, "partial.txt"), "partial\n");
    return new Promise((resolve) => {
      opts.signal?.addEventListener("abort", () =>
        resolve({ success: false, error: "Stopped: the run was aborted", durationMs: 1, exitCode: null }),
      );
    });
  };
  const run = runBridge(spec, deps(s.root, agent));
  await s.cp.waitFor((events) => events.some((e) => e.type === "user_message"));
  s.cp.send({ type: "stop", reason: "requested by @ada" });
  const result = await run;

  expect(result).toMatchObject({ exitCode: 0, success: false, pushed: true });
  const done = last(s.cp.events());
  expect(done.type).toBe("execution_complete");
  expect((done.data as { error: string }).error).toMatch(/^Stopped: requested by @ada/);
  expect(s.remote.git(["show", `refs/heads/${spec.repo.branch}:partial.txt`])).toBe("partial");
});

it("aborts the agent at the time limit, and moves on if the agent ignores the abort", async () => {
  const s = await setup();
  const spec = specFor(s, { timeLimitMs: 1_500 });
  const agent: Agent = (opts) => {
    writeFileSync(join(opts.cwd, "slow.txt"), "slow\n");
    return new Promise(() => {}); // never returns, even when aborted
  };
  const result = await runBridge(spec, { ...deps(s.root, agent), agentAbortGraceMs: 200 });

  expect(result.exitCode).toBe(0);
  expect(result.success).toBe(false);
  expect(result.error).toMatch(/Time limit of 2 s reached/);
  expect(last(s.cp.events())).toMatchObject({ type: "execution_complete", data: { success: false } });
});

it("ends with execution_complete success:false when the repository cannot be cloned", async () => {
  const s = await setup();
  const spec = specFor(s, {
    repo: { ...specFor(s).repo, cloneUrl: `${s.remote.url}-missing` },
  });
  let ran = false;
  const result = await runBridge(
    spec,
    deps(s.root, async () => {
      ran = true;
      return { success: true, durationMs: 1, exitCode: 0 };
    }),
  );

  expect(ran).toBe(false);
  expect(result).toMatchObject({ exitCode: 0, success: false, pushed: false });
  const events = s.cp.events();
  expectGapless(events, 0);
  expect(types(events)).toContain("error");
  expect(last(events)).toMatchObject({ type: "execution_complete", data: { success: false } });
  expect((last(events).data as { error: string }).error).toMatch(/Could not prepare the checkout: git clone/);
});

it("ends with execution_complete success:false when the control plane refuses a git token", async () => {
  const root = mkdtempSync(join(tmpdir(), "understudy-bridge-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const cp = await startFakeControlPlane({ gitTokenStatus: 403 });
  cleanups.push(() => cp.close());
  const s = { cp, remote: createGitRemote(root), root };
  const result = await runBridge(
    specFor(s),
    deps(root, async () => ({ success: true, durationMs: 1, exitCode: 0 })),
  );
  expect(result).toMatchObject({ exitCode: 0, success: false });
  expect(result.error).toMatch(/git token.*HTTP 403/);
});

it("pushes the work to a branch of its own when someone else's branch refuses it", async () => {
  const s = await setup();
  // The pull request's branch exists and is protected: the remote refuses every push to it.
  s.remote.git(["branch", "feature/login", "main"]);
  const hook = join(s.remote.dir, "hooks", "pre-receive");
  writeFileSync(
    hook,
    '#!/bin/sh\nwhile read old new ref; do [ "$ref" = refs/heads/feature/login ] && { echo "protected branch" >&2; exit 1; }; done\nexit 0\n',
    {
      mode: 0o755,
    },
  );
  const spec = specFor(s, {
    repo: { ...specFor(s).repo, branch: "feature/login", fallbackBranch: "understudy/40-login-page" },
  });
  const agent: Agent = async (opts) => {
    writeFileSync(join(opts.cwd, "fix.txt"), "fixed\n");
    return { success: true, summary: "Fix the login page", durationMs: 5, exitCode: 0 };
  };
  const result = await runBridge(spec, deps(s.root, agent));
  // The run did not do what was asked (the PR's branch is unchanged), but nothing was lost.
  expect(result).toMatchObject({ success: false, pushed: true });
  expect(s.remote.git(["rev-parse", "feature/login"])).toBe(s.remote.git(["rev-parse", "main"]));
  expect(s.remote.git(["show", "understudy/40-login-page:fix.txt"])).toBe("fixed");
  const events = s.cp.events();
  expect(events.find((e) => e.type === "push_error")?.data).toMatchObject({ branch: "feature/login" });
  expect(events.find((e) => e.type === "push_complete")?.data).toMatchObject({
    branch: "understudy/40-login-page",
    pushed: true,
  });
});

it("runs the repository's setup commands in the checkout before the agent, each shown as a shell call", async () => {
  const s = await setup();
  const spec = specFor(s, { setup: ["echo prepared > setup.txt", "cat setup.txt"] });
  let sawSetup: string | null = null;
  const agent: Agent = async (opts) => {
    sawSetup = readFileSync(join(opts.cwd, "setup.txt"), "utf8");
    writeFileSync(join(opts.cwd, "hello.txt"), "hello\n");
    return { success: true, summary: "Add hello.txt", durationMs: 5, exitCode: 0 };
  };
  const result = await runBridge(spec, deps(s.root, agent));

  expect(result).toMatchObject({ exitCode: 0, success: true, pushed: true });
  expect(sawSetup).toBe("prepared\n");
  const events = s.cp.events();
  expectGapless(events, 0);
  expect(s.cp.problems).toEqual([]);
  const order = events.flatMap((e) =>
    e.type === "tool_call" || e.type === "tool_result"
      ? [`${e.type}:${e.data.callId}`]
      : ["isolation", "user_message", "execution_complete"].includes(e.type)
        ? [e.type]
        : [],
  );
  expect(order).toEqual([
    "isolation",
    "tool_call:setup-1",
    "tool_result:setup-1",
    "tool_call:setup-2",
    "tool_result:setup-2",
    "user_message",
    "execution_complete",
  ]);
  expect(events.find((e) => e.type === "tool_call")?.data).toMatchObject({
    kind: "shell",
    name: "setup",
    command: "echo prepared > setup.txt",
  });
  const second = events.filter((e) => e.type === "tool_result")[1];
  expect(second?.data).toEqual({ callId: "setup-2", output: "prepared\n", isError: false });
  // What the setup created is not the agent's work: it stays out of the commit (.git/info/exclude).
  const ref = `refs/heads/${spec.repo.branch}`;
  expect(s.remote.git(["show", `${ref}:hello.txt`])).toBe("hello");
  expect(() => s.remote.git(["show", `${ref}:setup.txt`])).toThrow();
});

it("keeps what setup changed in tracked files out of the commit, unless the agent changed the file further", async () => {
  const s = await setup();
  // The fixture has README.md only: setup rewrites it (as an install rewrites a lockfile), adds a
  // second tracked file's worth of change through git, and deletes nothing the agent needs.
  const seed = join(s.root, "seed");
  writeFileSync(join(seed, "package-lock.json"), "{}\n");
  execFileSync("git", ["-C", seed, "add", "package-lock.json"]);
  execFileSync("git", ["-C", seed, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "lock"]);
  execFileSync("git", ["-C", seed, "push", "-q", s.remote.dir, "main:refs/heads/main"]);
  const spec = specFor(s, {
    setup: ['echo "# Fixture, set up" > README.md', "echo '{\"lockfileVersion\": 3}' > package-lock.json"],
  });
  const agent: Agent = async (opts) => {
    writeFileSync(join(opts.cwd, "hello.txt"), "hello\n");
    // The agent's own change to a file setup also changed: its work, committed whole.
    writeFileSync(join(opts.cwd, "package-lock.json"), '{"lockfileVersion": 3, "agent": true}\n');
    return { success: true, summary: "Add hello.txt", durationMs: 5, exitCode: 0 };
  };
  const result = await runBridge(spec, deps(s.root, agent));

  expect(result).toMatchObject({ exitCode: 0, success: true, pushed: true });
  const ref = `refs/heads/${spec.repo.branch}`;
  expect(s.remote.git(["show", `${ref}:hello.txt`])).toBe("hello");
  expect(s.remote.git(["show", `${ref}:README.md`])).toBe("# Fixture");
  expect(s.remote.git(["show", `${ref}:package-lock.json`])).toContain('"agent": true');
  const leftOut = s.cp.events().filter((e) => e.type === "files_left_out");
  expect(leftOut.map((e) => e.data)).toEqual([
    { paths: ["README.md"], reason: "changed by the setup commands, not by the agent", kind: "setup" },
  ]);
});

it("pushes nothing when setup changed tracked files and the agent changed nothing", async () => {
  const s = await setup();
  const spec = specFor(s, { setup: ['echo "# Fixture, set up" > README.md'] });
  const result = await runBridge(
    spec,
    deps(s.root, async () => ({ success: true, summary: "Nothing to do", durationMs: 1, exitCode: 0 })),
  );
  expect(result).toMatchObject({ exitCode: 0, success: true, pushed: false });
  expect(() => s.remote.git(["rev-parse", "--verify", `refs/heads/${spec.repo.branch}`])).toThrow();
});

it("ends the run at a failing setup command with its output, never starts the agent, and pushes nothing", async () => {
  const s = await setup();
  const spec = specFor(s, {
    setup: [
      "echo half-installed > partial-install.txt",
      "echo 'E404 left-pad is not in this registry' >&2; exit 3",
      "echo never > never.txt",
    ],
  });
  let ran = false;
  const result = await runBridge(
    spec,
    deps(s.root, async () => {
      ran = true;
      return { success: true, durationMs: 1, exitCode: 0 };
    }),
  );

  expect(ran).toBe(false);
  expect(result).toMatchObject({ exitCode: 0, success: false, pushed: false });
  const error =
    "Setup command `echo 'E404 left-pad is not in this registry' >&2; exit 3` failed (exit 3):\nE404 left-pad is not in this registry";
  expect(result.error).toBe(error);
  const events = s.cp.events();
  expectGapless(events, 0);
  expect(s.cp.problems).toEqual([]);
  expect(types(events)).not.toContain("user_message");
  expect(events.filter((e) => e.type === "tool_call").map((e) => e.data.command)).toEqual(
    spec.setup?.slice(0, 2),
  );
  expect(events.find((e) => e.type === "error")?.data).toEqual({ message: error });
  expect(last(events)).toMatchObject({ type: "execution_complete", data: { success: false, error } });
  // The setup's leftovers are not the agent's work: no commit of them, no branch on the remote.
  expect(types(events)).not.toContain("push_complete");
  expect(types(events)).not.toContain("push_error");
  expect(s.remote.git(["branch", "--list", spec.repo.branch])).toBe("");
  expect(s.cp.gitTokens).toHaveLength(1); // the clone's; none asked for a push
});
