import { execFile } from "node:child_process";
import { gitEnv } from "./git-env.js";

/** The bytes of `rev:path` in a bare repository, or null when it is not a file there. */
export function readBlob(gitDir: string, rev: string, path: string): Promise<Buffer | null> {
  return new Promise((resolve) => {
    execFile(
      "git",
      ["cat-file", "blob", `${rev}:${path}`],
      { cwd: gitDir, env: gitEnv(), encoding: "buffer", maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => resolve(error ? null : stdout),
    );
  });
}
