/**
 * Real git: an agent's changes to .github/workflows/ are kept off the branch (committed or not), the
 * rest of its work stays, and with `withWorkflows` they go in like any change.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import type { SandboxSpec } from "../../core/wire.js";
import { commitLeftovers } from "./commit-leftovers.js";
import { leaveOutWorkflows } from "./leave-out-workflows.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const spec = {
  commitTitle: "Fix the build (#7)",
  author: { name: "understudy[bot]", email: "bot@example.com" },
  coAuthor: { name: "octocat", email: "1+octocat@users.noreply.github.com" },
} as SandboxSpec;

function repo() {
  const dir = mkdtempSync(join(tmpdir(), "understudy-workflows-"));
  dirs.push(dir);
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.com", ...args], {
      cwd: dir,
      encoding: "utf8",
    }).trim();
  const write = (path: string, text: string) => {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  git("init", "-q", "-b", "main");
  git("config", "user.name", "understudy[bot]");
  git("config", "user.email", "bot@example.com");
  write(".github/workflows/ci.yml", "on: push\n");
  write("src/app.js", "1\n");
  git("add", ".");
  git("commit", "-q", "-m", "start");
  return { dir, git, write, start: git("rev-parse", "HEAD") };
}

it("keeps committed and uncommitted workflow changes off the branch, and the rest of the work on it", async () => {
  const { dir, git, write, start } = repo();
  // The agent's own commit touches a workflow and code; then it leaves more of both uncommitted.
  write(".github/workflows/ci.yml", "on: [push, pull_request]\nsecrets: everywhere\n");
  write("src/app.js", "2\n");
  git("commit", "-q", "-am", "agent: fix");
  write(".github/workflows/new.yml", "on: push\n");
  write("src/util.js", "3\n");

  const commit = await commitLeftovers(spec, dir, start, "Fixed it.");
  expect(commit.committed).toBe(true);
  const leftOut = await leaveOutWorkflows(dir, start, "Fix the build (#7)\n\nFixed it.");
  expect(leftOut).toEqual([".github/workflows/ci.yml", ".github/workflows/new.yml"]);

  expect(git("diff", "--name-only", start, "HEAD").split("\n")).toEqual(["src/app.js", "src/util.js"]);
  expect(git("show", "HEAD:.github/workflows/ci.yml")).toBe("on: push");
  // One commit with the work, from the start; no commit in the pushed range touches a workflow.
  expect(git("rev-list", "--count", `${start}..HEAD`)).toBe("1");
  expect(git("log", "--format=%H", `${start}..HEAD`, "--", ".github/workflows")).toBe("");
  expect(git("log", "-1", "--format=%s")).toBe("Fix the build (#7)");
});

it("changes nothing when the run did not touch workflows", async () => {
  const { dir, git, write, start } = repo();
  write("src/app.js", "2\n");
  git("commit", "-q", "-am", "agent: one");
  write("src/app.js", "3\n");
  git("commit", "-q", "-am", "agent: two");
  expect(await leaveOutWorkflows(dir, start, "unused")).toEqual([]);
  expect(git("rev-list", "--count", `${start}..HEAD`)).toBe("2");
});

it("commits workflow changes like any other when they are allowed", async () => {
  const { dir, git, write, start } = repo();
  write(".github/workflows/ci.yml", "on: pull_request\n");
  const commit = await commitLeftovers(spec, dir, start, "Changed CI.", { withWorkflows: true });
  expect(commit.committed).toBe(true);
  expect(git("show", "HEAD:.github/workflows/ci.yml")).toBe("on: pull_request");
});
