/**
 * Grows a test remote (git-remote.ts): writes files in its seed repository, commits them and pushes
 * the commit to the remote, so clone and fetch tests have something of a known size to move.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { GitRemote } from "./git-remote.js";

const ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Fixture",
  GIT_AUTHOR_EMAIL: "fixture@example.com",
  GIT_COMMITTER_NAME: "Fixture",
  GIT_COMMITTER_EMAIL: "fixture@example.com",
};

const WORDS = "const let return function if else for while import export from await async new this "
  .concat("value result error items index count name path options config state event handler ")
  .split(" ")
  .filter(Boolean);

/** Text that compresses and deltas like source code does, not like noise. */
function sourceLike(bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const n = 3 + (randomBytes(1)[0]! % 8);
    const line = `${"  ".repeat(randomBytes(1)[0]! % 4)}${Array.from(randomBytes(n), (b) => WORDS[b % WORDS.length]).join(" ")};`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join("\n")}\n`;
}

export type CommitFilesOptions = {
  /** The seed repository createGitRemote made: `<root>/seed`. */
  seed: string;
  /** Paths relative to the repository root. */
  files: string[];
  /** Bytes per file (about). */
  size: number;
  /** "random" (hex noise: no compression, a byte count a test can rely on) or "source". */
  kind?: "random" | "source";
  ref?: string;
  message?: string;
};

/** Writes and commits `files` in the seed, pushes HEAD to `ref` of the remote; returns the commit. */
export function commitFiles(remote: GitRemote, opts: CommitFilesOptions): string {
  const run = (args: string[]) =>
    execFileSync("git", args, { cwd: opts.seed, env: ENV, encoding: "utf8" }).trim();
  for (const file of opts.files) {
    const path = join(opts.seed, file);
    mkdirSync(dirname(path), { recursive: true });
    const content =
      opts.kind === "source" ? sourceLike(opts.size) : randomBytes(Math.ceil(opts.size / 2)).toString("hex");
    writeFileSync(path, content);
  }
  run(["add", "--all"]);
  run(["commit", "--quiet", "-m", opts.message ?? `Add ${opts.files.length} files`]);
  run(["push", "--quiet", "--force", remote.dir, `HEAD:${opts.ref ?? "refs/heads/main"}`]);
  return run(["rev-parse", "HEAD"]);
}
