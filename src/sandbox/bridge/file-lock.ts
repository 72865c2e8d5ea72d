/**
 * An exclusive lock between processes, held with flock(1) from util-linux.
 *
 * Why flock and not a lock file created with O_EXCL: each bridge runs in a PID namespace of its own,
 * so a pid written into a lock file means nothing to another bridge, and a bridge that is killed
 * would leave a lock no one can prove stale. A flock(2) lock belongs to an open file and the kernel
 * drops it when the last process holding that file exits, however it exits: no stale locks.
 *
 * The lock is held by a small `flock … sh -c 'echo locked; exec cat'` child: it prints once it holds
 * the lock and keeps it until its stdin closes, which happens when we release it or when this
 * process dies. The lock file itself stays (removing it would let two holders lock different files).
 */
import { spawn } from "node:child_process";

export type FileLockOptions = {
  /** How long to wait for the lock before giving up (flock's own timeout, so the wait is bounded). */
  waitMs: number;
  signal?: AbortSignal;
};

/** Thrown when the lock could not be had in time (or flock could not run at all). */
export class FileLockError extends Error {
  override name = "FileLockError";
}

/** Runs `fn` while holding an exclusive lock on `file` (created if missing); always releases it. */
export async function withFileLock<T>(file: string, opts: FileLockOptions, fn: () => Promise<T>): Promise<T> {
  const release = await acquire(file, opts);
  try {
    return await fn();
  } finally {
    await release();
  }
}

const TIMED_OUT = 75;

function acquire(file: string, opts: FileLockOptions): Promise<() => Promise<void>> {
  const seconds = Math.max(0.1, opts.waitMs / 1000).toFixed(1);
  const child = spawn(
    "flock",
    [
      "--exclusive",
      "--timeout",
      seconds,
      "--conflict-exit-code",
      String(TIMED_OUT),
      "--no-fork",
      file,
      "sh",
      "-c",
      "echo locked; exec cat >/dev/null",
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  child.stdin.on("error", () => {}); // EPIPE if it already exited
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const release = async () => {
    child.stdin.end();
    // Bounded: cat ends on EOF at once; the kill is for a child stuck in a way it should never be.
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  return new Promise((resolve, reject) => {
    let stderr = "";
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener("abort", onAbort);
      child.kill("SIGKILL");
      reject(new FileLockError(`could not lock ${file}: ${why}`));
    };
    const onAbort = () => fail("aborted");
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = `${stderr}${chunk.toString("utf8")}`.slice(-2_000);
    });
    child.stdout.on("data", (chunk: Buffer) => {
      if (settled || !chunk.toString("utf8").includes("locked")) return;
      settled = true;
      opts.signal?.removeEventListener("abort", onAbort);
      resolve(release);
    });
    child.once("error", (err) => fail(err.message));
    child.once("close", (code) => {
      if (code === TIMED_OUT) fail(`still held by another process after ${seconds} s`);
      else fail(`flock exited (${code})${stderr.trim() ? `: ${stderr.trim()}` : ""}`);
    });
  });
}
