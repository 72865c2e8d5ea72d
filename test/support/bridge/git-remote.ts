/**
 * A local bare repository served as a file:// URL, standing in for a GitHub remote in bridge tests.
 * Over file:// git ignores the bridge's Authorization header, which is fine: the header's handling
 * is covered by what the tests assert about where the token does and does not end up.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Fixture",
  GIT_AUTHOR_EMAIL: "fixture@example.com",
  GIT_COMMITTER_NAME: "Fixture",
  GIT_COMMITTER_EMAIL: "fixture@example.com",
};

export type GitRemote = {
  /** file:// URL to clone from. */
  url: string;
  dir: string;
  /** Runs git against the bare repository and returns trimmed stdout. */
  git(args: string[]): string;
};

/** Creates `<root>/remote.git` with one commit on `main` holding a README. */
export function createGitRemote(root: string): GitRemote {
  const dir = join(root, "remote.git");
  const seed = join(root, "seed");
  const run = (args: string[], cwd?: string) =>
    execFileSync("git", args, { cwd, env: ENV, encoding: "utf8" }).trim();
  run(["init", "--quiet", "--bare", "--initial-branch=main", dir]);
  mkdirSync(seed);
  run(["init", "--quiet", "--initial-branch=main"], seed);
  writeFileSync(join(seed, "README.md"), "# Fixture\n");
  run(["add", "README.md"], seed);
  run(["commit", "--quiet", "-m", "Initial commit"], seed);
  run(["push", "--quiet", dir, "main:refs/heads/main"], seed);
  return { url: pathToFileURL(dir).toString(), dir, git: (args) => run(["--git-dir", dir, ...args]) };
}
