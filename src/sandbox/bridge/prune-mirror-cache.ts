/**
 * Removes from the mirror cache (mirror-cache.ts) the repositories that no run has used for a
 * while: their mirror, spare checkouts and leftovers. A repository's last use is its lock file's
 * mtime, which every clone through the cache touches (the mirror's own, for a cache without one).
 *
 * Each repository is removed under its lock, taken with a short wait: one in use is skipped, and
 * one used while we waited is kept. The lock file itself stays, empty: removing it would let a run
 * already waiting on it and a run arriving later hold "the" lock at once (see file-lock.ts).
 */
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { FileLockError, withFileLock } from "./file-lock.js";
import type { BridgeLog } from "./log.js";

export type PruneMirrorCacheOptions = {
  /**
   * Unused for longer than this, a repository goes. Every checkout made through the cache borrows
   * its mirror's objects for as long as its run lasts (and a restarted bridge resumes an old
   * checkout), so this must be far longer than a run's time limit: days, not hours.
   */
  maxAgeMs: number;
  /** How long to wait for a repository's lock before leaving it for next time. */
  lockWaitMs?: number;
  log?: BridgeLog;
};

const LOCK_WAIT_MS = 1_000;
/** `<key>.<what>`, as mirror-layout.ts names them. */
const CACHE_NAME = /^([0-9a-f]{64})\.(?:git|lock|(?:spare|prep|tmp|old)-.+)$/;

/** Resolves with the keys of the repositories removed. Never rejects on one repository's failure. */
export async function pruneMirrorCache(root: string, opts: PruneMirrorCacheOptions): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const keys = new Set(names.flatMap((n) => CACHE_NAME.exec(n)?.[1] ?? []));
  const idle = async (key: string) => {
    const used = await lastUse(root, key);
    return used !== null && Date.now() - used > opts.maxAgeMs;
  };
  const removed: string[] = [];
  for (const key of keys) {
    if (!(await idle(key))) continue;
    try {
      await withFileLock(join(root, `${key}.lock`), { waitMs: opts.lockWaitMs ?? LOCK_WAIT_MS }, async () => {
        if (!(await idle(key))) return;
        const own = (await readdir(root)).filter((n) => n.startsWith(`${key}.`) && n !== `${key}.lock`);
        for (const n of own) await rm(join(root, n), { recursive: true, force: true });
        if (own.length > 0) removed.push(key);
      });
    } catch (err) {
      if (!(err instanceof FileLockError))
        opts.log?.warn(
          `could not prune the mirror ${key}: ${err instanceof Error ? err.message : String(err)}`,
        );
    }
  }
  return removed;
}

/** The later of the lock file's and the mirror's mtime, or null when neither exists. */
async function lastUse(root: string, key: string): Promise<number | null> {
  const times = await Promise.all(
    [`${key}.lock`, `${key}.git`].map((n) =>
      stat(join(root, n)).then(
        (s) => s.mtimeMs,
        () => null,
      ),
    ),
  );
  const known = times.filter((t): t is number => t !== null);
  return known.length > 0 ? Math.max(...known) : null;
}
