/**
 * Runs git for the bridge: never interactive, always bounded in time, and with the GitHub token
 * given to one git process at a time and redacted from anything that comes back.
 */
import { execFile } from "node:child_process";
import { redact } from "../../core/redact.js";

export type GitOptions = {
  cwd?: string;
  /** A GitHub token for this one command; sent as an HTTP header, never stored in any git config. */
  token?: string;
  timeoutMs?: number;
  /** Extra environment for this command (e.g. author identity). */
  env?: Record<string, string>;
  signal?: AbortSignal;
};

/** A failed git command; its message names the arguments and carries git's stderr, token-redacted. */
export class GitError extends Error {
  override name = "GitError";
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

const DEFAULT_TIMEOUT_MS = 120_000;

// The agent shares HOME with the bridge and can write the checkout's .git, so every bridge git
// command ignores the global config and runs no hook or fsmonitor command the agent may have left.
const SAFE_CONFIG = ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false"];

/** The header value GitHub accepts for an installation token over HTTPS (as actions/checkout sends it). */
export function authHeader(token: string): string {
  return `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
}

/** Every form in which a token could show up in git output. */
export function secretForms(token: string): string[] {
  return [token, Buffer.from(`x-access-token:${token}`).toString("base64")];
}

/** Runs `git <args>` and resolves with trimmed stdout; rejects with a GitError. */
export function git(args: readonly string[], opts: GitOptions = {}): Promise<string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: process.env.HOME ?? "/nonexistent",
    LANG: "C",
    GIT_TERMINAL_PROMPT: "0",
    GCM_INTERACTIVE: "never",
    GIT_CONFIG_GLOBAL: "/dev/null",
    ...opts.env,
  };
  if (opts.token) {
    // Passed as a one-off config entry through the environment rather than `-c` on the command
    // line: /proc/<pid>/cmdline is readable by every user, /proc/<pid>/environ only by the owner.
    // Either way it lives only as long as this git process and is never written to .git/config.
    env.GIT_CONFIG_COUNT = "1";
    env.GIT_CONFIG_KEY_0 = "http.extraHeader";
    env.GIT_CONFIG_VALUE_0 = authHeader(opts.token);
  }
  const known = opts.token ? secretForms(opts.token) : [];
  const fullArgs = [...SAFE_CONFIG, ...args];
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      fullArgs,
      {
        cwd: opts.cwd,
        env,
        timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        killSignal: "SIGKILL",
        signal: opts.signal,
        maxBuffer: 16 * 1024 * 1024,
        encoding: "utf8",
      },
      (err, stdout, stderr) => {
        if (!err) {
          resolve(stdout.trim());
          return;
        }
        const cleanStderr = redact(stderr.trim(), known);
        const what = `git ${args.join(" ")}`;
        const code = typeof err.code === "number" ? err.code : null;
        const reason = opts.signal?.aborted
          ? "aborted"
          : err.killed
            ? `timed out after ${Math.round((opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s`
            : code !== null
              ? `exit ${code}`
              : redact(err.message, known);
        reject(
          new GitError(
            redact(`${what} failed (${reason})${cleanStderr ? `: ${cleanStderr}` : ""}`, known),
            code,
            cleanStderr,
          ),
        );
      },
    );
  });
}

/** Like `git`, but resolves null instead of rejecting: for probes such as `rev-parse --verify`. */
export async function gitMaybe(args: readonly string[], opts: GitOptions = {}): Promise<string | null> {
  try {
    return await git(args, opts);
  } catch (err) {
    if (err instanceof GitError) return null;
    throw err;
  }
}
