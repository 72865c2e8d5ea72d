/**
 * What an agent can leave in its checkout's .git cannot turn the bridge's own git (which runs after
 * it, outside the sandbox) into its tool: borrowed object stores, config-driven programs, symlinks.
 */
import { execFileSync } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { bridgeSpec, bridgeWorkDir } from "../../../test/support/bridge/bridge-spec.js";
import { startFakeControlPlane } from "../../../test/support/bridge/fake-control-plane.js";
import { createGitRemote } from "../../../test/support/bridge/git-remote.js";
import type { Agent } from "../agents/agent.js";
import { runBridge } from "./run-bridge.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it("restores the checkout's alternates before it commits and pushes", async () => {
  const root = mkdtempSync(join(tmpdir(), "understudy-alternates-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  // Someone else's private repository on the same host.
  const other = join(root, "other");
  mkdirSync(other);
  const inOther = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=O", "-c", "user.email=o@example.com", ...args], {
      cwd: other,
      encoding: "utf8",
    }).trim();
  inOther("init", "-q", "-b", "main");
  writeFileSync(join(other, "secret.txt"), "the other repository's secret\n");
  inOther("add", ".");
  inOther("commit", "-q", "-m", "secret");
  const secretSha = inOther("rev-parse", "HEAD");

  const cp = await startFakeControlPlane({ startSeq: 0 });
  cleanups.push(() => cp.close());
  const remote = createGitRemote(root);
  const workDir = bridgeWorkDir(root);
  const spec = bridgeSpec(cp, remote.url);
  const agent: Agent = async (opts) => {
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=A", "-c", "user.email=a@example.com", ...args], {
        cwd: opts.cwd,
        encoding: "utf8",
      });
    mkdirSync(join(opts.cwd, ".git", "objects", "info"), { recursive: true });
    appendFileSync(
      join(opts.cwd, ".git", "objects", "info", "alternates"),
      `${join(other, ".git", "objects")}\n`,
    );
    git("merge", "-q", "--allow-unrelated-histories", "-m", "borrow", secretSha);
    writeFileSync(join(opts.cwd, "mine.txt"), "mine\n");
    return { success: true, summary: "Done", durationMs: 1, exitCode: 0 };
  };

  const result = await runBridge(spec, {
    agent,
    workDir,
    modelEnv: {},
    stream: { backoffInitialMs: 10, backoffMaxMs: 50 },
  });
  // The borrowed history cannot be read without the alternates: nothing of it reaches the remote.
  expect(result.pushed).toBe(false);
  expect(() => remote.git(["cat-file", "-e", secretSha])).toThrow();
  expect(cp.events().some((e) => e.type === "push_error" || e.type === "execution_complete")).toBe(true);
});

/** Runs the bridge with `agent` against a fresh remote; returns the result, events and remote. */
async function runWith(agent: Agent) {
  const root = mkdtempSync(join(tmpdir(), "understudy-tamper-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const cp = await startFakeControlPlane({ startSeq: 0 });
  cleanups.push(() => cp.close());
  const remote = createGitRemote(root);
  const result = await runBridge(bridgeSpec(cp, remote.url), {
    agent,
    workDir: bridgeWorkDir(root),
    modelEnv: {},
    stream: { backoffInitialMs: 10, backoffMaxMs: 50 },
  });
  return { root, result, events: cp.events(), remote };
}

it("runs no program the agent configured (a clean filter, a signing program) when it commits", async () => {
  const marker = join(mkdtempSync(join(tmpdir(), "understudy-marker-")), "ran");
  cleanups.push(() => rmSync(join(marker, ".."), { recursive: true, force: true }));
  const evil = `sh -c 'touch ${marker}; cat'`;
  const { result, remote } = await runWith(async (opts) => {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: opts.cwd });
    git("config", "filter.x.clean", evil);
    git("config", "commit.gpgSign", "true");
    git("config", "gpg.program", `${evil} #`);
    git("config", "user.email", "someone-else@example.com");
    mkdirSync(join(opts.cwd, ".git", "info"), { recursive: true });
    writeFileSync(join(opts.cwd, ".git", "info", "attributes"), "* filter=x\n");
    writeFileSync(join(opts.cwd, "work.txt"), "work\n");
    return { success: true, summary: "Done", durationMs: 1, exitCode: 0 };
  });
  expect(existsSync(marker)).toBe(false);
  expect(result.pushed).toBe(true);
  expect(remote.git(["show", "refs/heads/understudy/7-add-hello:work.txt"])).toBe("work");
  expect(remote.git(["log", "-1", "--format=%ae", "refs/heads/understudy/7-add-hello"])).not.toBe(
    "someone-else@example.com",
  );
});

it("refuses a .git whose object store the agent replaced with a symlink, and pushes nothing", async () => {
  const { result, events, remote } = await runWith(async (opts) => {
    const elsewhere = mkdtempSync(join(tmpdir(), "understudy-elsewhere-"));
    cleanups.push(() => rmSync(elsewhere, { recursive: true, force: true }));
    execFileSync("cp", ["-r", join(opts.cwd, ".git", "objects"), join(elsewhere, "objects")]);
    rmSync(join(opts.cwd, ".git", "objects"), { recursive: true, force: true });
    symlinkSync(join(elsewhere, "objects"), join(opts.cwd, ".git", "objects"));
    writeFileSync(join(opts.cwd, "work.txt"), "work\n");
    return { success: true, summary: "Done", durationMs: 1, exitCode: 0 };
  });
  expect(result.pushed).toBe(false);
  const error = events.find((e) => e.type === "push_error")?.data as { error?: string } | undefined;
  expect(error?.error).toMatch(/holds symbolic links \(objects\)/);
  expect(() => remote.git(["rev-parse", "--verify", "refs/heads/understudy/7-add-hello"])).toThrow();
});
