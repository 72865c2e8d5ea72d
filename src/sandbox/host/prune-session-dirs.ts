/**
 * Removes the session directories (session-dir.ts) no run has used for a while: the agent's kept
 * HOME and its conversations. A later follow-up of such a session starts a new conversation with the
 * earlier runs' summaries, as a run on another host would. A directory's last use is its mtime,
 * which the host sets when it starts a run there and the bridge's state write changes after it.
 *
 * Each directory goes under its lock, taken with a short wait: one a run holds is skipped, as is
 * one used while we waited. A bridge that gets the lock after the directory went finds no home and
 * uses its own (open-session-home.ts).
 */
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { AGENT_STATE_FILE } from "../bridge/agent-state.js";
import { FileLockError, withFileLock } from "../bridge/file-lock.js";
import type { BridgeLog } from "../bridge/log.js";
import { SESSIONS_DIR, sessionKey } from "./session-dir.js";

export type PruneSessionDirsOptions = {
  /** Unused for longer than this, a session's directory goes. */
  maxAgeMs: number;
  /** Keys of the sessions with a run on this host now: never touched. */
  inUse?: () => ReadonlySet<string>;
  lockWaitMs?: number;
  log?: BridgeLog;
};

/** The default of SANDBOX_SESSION_TTL_HOURS. */
export const DEFAULT_SESSION_TTL_HOURS = 24;

const LOCK_WAIT_MS = 500;
const KEY = /^[0-9a-f]{32}$/;

/** Resolves with the keys of the directories removed. Never rejects on one directory's failure. */
export async function pruneSessionDirs(root: string, opts: PruneSessionDirsOptions): Promise<string[]> {
  const sessions = join(root, SESSIONS_DIR);
  const names = await readdir(sessions).catch(() => [] as string[]);
  const idle = async (key: string) => {
    if (opts.inUse?.().has(key)) return false;
    const used = await stat(join(sessions, key)).then(
      (s) => (s.isDirectory() ? s.mtimeMs : null),
      () => null,
    );
    return used !== null && Date.now() - used > opts.maxAgeMs;
  };
  const removed: string[] = [];
  for (const key of names.filter((n) => KEY.test(n))) {
    if (!(await idle(key))) continue;
    const dir = join(sessions, key);
    try {
      await withFileLock(join(dir, "lock"), { waitMs: opts.lockWaitMs ?? LOCK_WAIT_MS }, async () => {
        // Taking the lock may have created its file, which changes the directory's mtime: a run that
        // ended while we waited shows in its state file instead.
        if (opts.inUse?.().has(key) || (await usedSince(join(dir, AGENT_STATE_FILE), opts.maxAgeMs))) return;
        await rm(dir, { recursive: true, force: true });
        removed.push(key);
      });
    } catch (err) {
      if (!(err instanceof FileLockError))
        opts.log?.warn(
          `could not prune session directory ${key}: ${err instanceof Error ? err.message : String(err)}`,
        );
    }
  }
  return removed;
}

async function usedSince(file: string, maxAgeMs: number): Promise<boolean> {
  const mtime = await stat(file).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  return Date.now() - mtime <= maxAgeMs;
}

/** SANDBOX_SESSION_TTL_HOURS as milliseconds: a positive number of hours, else the default. */
export function sessionTtlMs(hours: string | undefined): number {
  const n = Number(hours);
  return (Number.isFinite(n) && n > 0 ? n : DEFAULT_SESSION_TTL_HOURS) * 3_600_000;
}

/** How often a running host prunes again. */
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Prunes now and every hour while the host runs, skipping the sessions of the host's running
 * sandboxes. Returns the function that stops it.
 */
export function startSessionPruning(opts: {
  root: string;
  maxAgeMs: number;
  sandboxes: ReadonlyMap<string, { sessionId: string; running: boolean }>;
  log: BridgeLog;
}): () => void {
  const inUse = () =>
    new Set([...opts.sandboxes.values()].filter((s) => s.running).map((s) => sessionKey(s.sessionId)));
  const prune = () => {
    pruneSessionDirs(opts.root, { maxAgeMs: opts.maxAgeMs, inUse, log: opts.log }).then(
      (removed) => {
        if (removed.length > 0) opts.log.info(`removed ${removed.length} idle session directories`);
      },
      (err: unknown) => opts.log.warn(`could not prune session directories: ${String(err)}`),
    );
  };
  prune();
  const timer = setInterval(prune, PRUNE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
