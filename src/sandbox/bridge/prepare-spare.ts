/**
 * Makes a spare checkout of a repository beside its mirror, for the next run to claim (take-spare.ts):
 * the mirror's refs cloned under its lock (a rebuild swaps the mirror's directory), the files
 * written outside it in `<key>.prep-*`, then renamed to `<key>.spare-*` once complete, so that a
 * spare is either whole or not there. A bridge killed half-way leaves only the prep directory,
 * which a later run removes once it is clearly stale (mirror-cache.ts).
 */
import { randomBytes } from "node:crypto";
import { readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { cloneMirrorRefs } from "./clone-mirror-refs.js";
import { withFileLock } from "./file-lock.js";
import { git } from "./git.js";
import type { BridgeLog } from "./log.js";
import { mirrorLayout } from "./mirror-layout.js";

export type PrepareSpareOptions = {
  /** The cache root, as for cloneThroughMirror. */
  root: string;
  cloneUrl: string;
  /** The base branch: the spare is for a later run on the same one. */
  branch: string;
  log: BridgeLog;
  /** How long to wait for the mirror's lock; busy beyond it, no spare this time. */
  lockWaitMs?: number;
};

/**
 * Ready spares kept per repository. One: a spare is a whole working tree (the repository's size on
 * disk again), and runs on one repository mostly come one after another; a run that finds none
 * (a concurrent one) checks out as it did before spares, writing every file.
 */
export const MAX_SPARES = 1;

const LOCK_WAIT_MS = 2 * 60_000;
// Writing the files of a very large repository; the bridge bounds its own wait for this anyway.
const FILES_TIMEOUT_MS = 10 * 60_000;

/** Never rejects: a spare is an optimisation, and a failure to make one is only logged. */
export async function prepareSpare(o: PrepareSpareOptions): Promise<void> {
  const layout = mirrorLayout(o.root, o.cloneUrl);
  const lock = { waitMs: o.lockWaitMs ?? LOCK_WAIT_MS };
  const enough = async () =>
    (await readdir(o.root)).filter((n) => n.startsWith(layout.sparePrefix)).length >= MAX_SPARES;
  const prep = join(o.root, `${layout.prepPrefix}${randomBytes(6).toString("hex")}`);
  try {
    const started = await withFileLock(layout.lockFile, lock, async () => {
      if (await enough()) return false;
      await cloneMirrorRefs(layout.mirror, o.branch, prep);
      return true;
    });
    if (!started) return;
    // Pointed at the real remote now, as a fresh clone is once made, saving the claim a git process.
    await git(["remote", "set-url", "origin", o.cloneUrl], { cwd: prep });
    // Made while the agent works: writing the files yields the CPU to the run's own processes.
    const lowPriority = { cwd: prep, timeoutMs: FILES_TIMEOUT_MS, niceness: 19 };
    await git(["reset", "--quiet", "--hard"], lowPriority);
    // Git trusts an index entry's stat data only if the file is older than the index, to the second
    // ("racy git"); entries written in the index's own second are re-read on every later checkout,
    // which is the very cost a spare is for. So, a second later, the index is written again.
    await sleep(1_050 - (Date.now() % 1_000));
    await git(["update-index", "-q", "--refresh"], lowPriority);
    await withFileLock(layout.lockFile, lock, async () => {
      if (await enough()) return;
      await rename(prep, join(o.root, `${layout.sparePrefix}${randomBytes(6).toString("hex")}`));
    });
  } catch (err) {
    o.log.warn(
      `mirror of ${o.cloneUrl}: could not prepare a spare checkout for the next run: ${err instanceof Error ? err.message : String(err)}`,
    );
  } finally {
    await rm(prep, { recursive: true, force: true }).catch(() => {});
  }
}
