/**
 * Runs git for the bridge: never interactive, always bounded in time, and with the GitHub token
 * given to one git process at a time and redacted from anything that comes back.
 */
import { spawn } from "node:child_process";
import type { Writable } from "node:stream";
import { redact } from "../../core/redact.js";

export type GitOptions = {
  cwd?: string;
  /**
   * A GitHub token for this one command. It reaches git's credential helper through an inherited
   * pipe: never an environment variable or argument (which /proc shows), never a file or git config.
   */
  token?: string;
  timeoutMs?: number;
  /** Extra environment for this command (e.g. author identity). */
  env?: Record<string, string>;
  signal?: AbortSignal;
  /**
   * Runs git, and everything it starts, at this nice value (0–19, through `nice`, which execs it):
   * work done ahead for a later run (a spare checkout) yields the CPU to the agent's.
   */
  niceness?: number;
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
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

// The agent can write its HOME (the run's, or the session's kept home) and the checkout's .git, so every bridge git
// command ignores the global config and runs no hook, fsmonitor, signing program or attribute-driven
// filter the agent may have left (the checkout's own config is also put back before the bridge's
// git runs after the agent: seal-checkout.ts).
const SAFE_CONFIG = [
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "core.attributesFile=/dev/null",
  "-c",
  "commit.gpgSign=false",
  "-c",
  "tag.gpgSign=false",
  "-c",
  "gpg.program=false",
  "-c",
  "diff.ignoreSubmodules=all",
];

/** The file descriptor on which git and its children inherit the token pipe. */
const TOKEN_FD = 3;

// After a 401 git asks its credential helpers in order; the empty entry drops any helper configured
// elsewhere, and ours answers `get` from the pipe with shell builtins only, so the token is never in
// any process's argv or environment. GitHub takes an installation token as the Basic password with
// the user `x-access-token` (as actions/checkout sends it). The pipe holds one line: a second `get`
// finds it empty and git fails instead of prompting (GIT_TERMINAL_PROMPT=0).
const CREDENTIAL_CONFIG = [
  "-c",
  "credential.helper=",
  "-c",
  `credential.helper=!f() { test "$1" = get || exit 0; read -r t <&${TOKEN_FD} || exit 0; echo username=x-access-token; echo "password=$t"; }; f`,
];

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
    GIT_CONFIG_NOSYSTEM: "1",
    // refs/replace would let the agent show the bridge a different history than the push sends.
    GIT_NO_REPLACE_OBJECTS: "1",
    ...opts.env,
  };
  const token = opts.token;
  if (token !== undefined && !/^[\x21-\x7e]+$/.test(token)) {
    // A line break would let the token write further lines of the credential protocol.
    return Promise.reject(new GitError("refusing a git token that is not printable ASCII", null, ""));
  }
  const known = token ? secretForms(token) : [];
  const fullArgs = [...SAFE_CONFIG, ...(token ? CREDENTIAL_CONFIG : []), ...args];
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const what = `git ${args.join(" ")}`;

  return new Promise((resolve, reject) => {
    const [command, commandArgs] =
      opts.niceness === undefined
        ? ["git", fullArgs]
        : ["nice", ["-n", String(opts.niceness), "git", ...fullArgs]];
    const child = spawn(command, commandArgs, {
      cwd: opts.cwd,
      env,
      stdio: ["ignore", "pipe", "pipe", token ? "pipe" : "ignore"],
    });
    const pipe = child.stdio[TOKEN_FD] as Writable | null | undefined;
    if (token && pipe) {
      pipe.on("error", () => {}); // EPIPE: git exited without asking, which is fine.
      pipe.end(`${token}\n`);
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let why: string | null = null;
    let settled = false;
    const kill = (reason: string) => {
      why ??= reason;
      child.kill("SIGKILL");
    };
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES) kill(`output over ${MAX_OUTPUT_BYTES} bytes`);
      else into.push(chunk);
    };
    child.stdout?.on("data", collect(out));
    child.stderr?.on("data", collect(err));
    const timer = setTimeout(() => kill(`timed out after ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
    const onAbort = () => kill("aborted");
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const done = (code: number | null, failure: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = redact(Buffer.concat(err).toString("utf8").trim(), known);
      if (code === 0 && why === null) {
        resolve(stdout.trim());
        return;
      }
      const reason = why ?? failure ?? `exit ${code}`;
      const message = `${what} failed (${reason})${stderr ? `: ${stderr}` : ""}`;
      reject(new GitError(redact(message, known), code, stderr));
    };
    child.on("error", (e) => done(null, redact(e.message, known)));
    child.on("close", (code, signal) => done(code, signal ? `killed by ${signal}` : null));
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
