import { execFile } from "node:child_process";
import { gitEnv } from "./git-env.js";

export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(" ")} failed (${code}): ${stderr.trim()}`);
    this.name = "GitError";
  }
}

/** Runs git in `cwd` with the stand-in's isolated environment; resolves to stdout. */
export function runGit(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      { cwd, env: gitEnv(env), maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error) {
          const code = typeof error.code === "number" ? error.code : null;
          reject(new GitError(args, code, stderr));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}
