/**
 * A per-repository mirror on the host, so a run's clone fetches only what is new since the last run
 * of any session on the same repository.
 *
 * `<root>/<sha256 of the clone URL without credentials>.git` is a bare repository holding the
 * remote's branches (refs/heads/* only: GitHub's refs/pull/* can be far larger than the branches).
 * A run, holding the lock `<root>/<hash>.lock` (flock, see file-lock.ts):
 *   1. creates the mirror if it is missing (`init` + `fetch`) or brings it up to date
 *      (`fetch --prune`); either way over the network, with the run's token;
 *   2. claims a spare checkout that an earlier run made ahead (take-spare.ts, prepare-spare.ts) and
 *      updates its refs from the mirror, or else clones the mirror with `--shared --no-checkout`:
 *      refs only, objects borrowed through objects/info/alternates, no copy.
 * Then, without the lock, it points `origin` back at the real remote and writes the files: all of
 * them after a clone, only those that changed since the spare was made after a claim. The names
 * under the root are listed in mirror-layout.ts; prune-mirror-cache.ts removes idle repositories.
 *
 * Readers never see a half-written mirror: a new or rebuilt one is fetched into `<hash>.tmp-*` and
 * renamed into place, and the clone that reads the mirror's refs runs under the same lock as every
 * write. Objects are only ever added (no gc, `gc.auto=0`), because every checkout made from the
 * mirror keeps borrowing its objects for as long as it exists: the push (push-branch.ts, whose
 * scratch repository borrows from the checkout, a chain git follows) and the agent's own git.
 *
 * A mirror that fails to update is rebuilt from scratch; one that updates but yields a broken
 * checkout is checked with `git fsck` and, if that fails, rebuilt and tried once more. Whatever else
 * goes wrong, the caller gets null and clones without the mirror: the cache never fails a run. A
 * rebuild swaps the directory in place, so checkouts made from the old one keep finding every
 * object a branch still reaches; only a broken mirror is ever rebuilt.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { alternateObjectDirs } from "./alternate-object-dirs.js";
import { cloneMirrorRefs } from "./clone-mirror-refs.js";
import { type FileLockOptions, withFileLock } from "./file-lock.js";
import { git, gitMaybe } from "./git.js";
import type { BridgeLog } from "./log.js";
import { mirrorLayout } from "./mirror-layout.js";
import { takeSpare } from "./take-spare.js";

export { alternateObjectDirs } from "./alternate-object-dirs.js";
export { mirrorKey, mirrorPath } from "./mirror-layout.js";

export type MirrorCloneOptions = {
  /** The cache root (UNDERSTUDY_MIRROR_DIR): one mirror and one lock file per repository. */
  root: string;
  cloneUrl: string;
  /** The branch to check out (the base branch). */
  branch: string;
  /** Where the checkout goes; must not exist. */
  repoDir: string;
  token: string;
  log: BridgeLog;
  signal?: AbortSignal;
  /** How long to wait for another run's update of the same mirror. */
  lockWaitMs?: number;
  /** Bound on each network fetch into the mirror. */
  fetchTimeoutMs?: number;
  /** Whether to claim a spare checkout when there is one (default true). */
  useSpare?: boolean;
};

const LOCK_WAIT_MS = 10 * 60_000;
const FETCH_TIMEOUT_MS = 10 * 60_000;
// Reads every object: minutes on a very large repository, and only ever run after a failure.
const FSCK_TIMEOUT_MS = 5 * 60_000;
const HEADS = "+refs/heads/*:refs/heads/*";
/**
 * When a spare still being made (`<key>.prep-*`, written outside the lock) is surely abandoned: its
 * bridge was killed. Far above the time to write a large repository's files.
 */
export const STALE_PREP_MS = 60 * 60_000;

/**
 * Clones `cloneUrl` at `branch` into `repoDir` by way of its mirror under `root`. Resolves with the
 * object directories the checkout borrows from (see {@link alternateObjectDirs}), or null when the
 * mirror could not be used; `repoDir` is then gone and the caller clones without it. Rejects only
 * when `signal` aborted.
 */
export async function cloneThroughMirror(opts: MirrorCloneOptions): Promise<string[] | null> {
  const layout = mirrorLayout(opts.root, opts.cloneUrl);
  const { key, mirror, lockFile } = layout;
  const lock: FileLockOptions = { waitMs: opts.lockWaitMs ?? LOCK_WAIT_MS, signal: opts.signal };
  const note = (what: string, err: unknown) =>
    opts.log.warn(`mirror of ${opts.cloneUrl}: ${what}: ${err instanceof Error ? err.message : String(err)}`);
  const inRepo = { cwd: opts.repoDir, signal: opts.signal };

  for (const rebuild of [false, true]) {
    // Set from inside the lock's callback, so kept in an object the compiler won't narrow.
    const state: { suspect: boolean; finishSpare: (() => Promise<boolean>) | null } = {
      suspect: false,
      finishSpare: null,
    };
    try {
      await mkdir(opts.root, { recursive: true });
      await withFileLock(lockFile, lock, async () => {
        // The repository's last use, for prune-mirror-cache.ts.
        const now = new Date();
        await utimes(lockFile, now, now);
        await removeLeftovers(opts.root, key);
        if (rebuild || !existsSync(mirror)) await build(mirror, opts);
        else
          await refresh(mirror, opts).catch(async (err: unknown) => {
            note("could not update it, rebuilding it", err);
            await build(mirror, opts);
          });
        // A branch the remote does not have is the caller's error to report, not the mirror's.
        const has = [
          "--git-dir",
          mirror,
          "rev-parse",
          "--verify",
          "--quiet",
          `refs/heads/${opts.branch}^{commit}`,
        ];
        if ((await gitMaybe(has)) === null) throw new Error(`the remote has no branch ${opts.branch}`);
        state.suspect = true;
        // The try after a rebuild takes the plain path, the one to trust after a failure.
        if (!rebuild && opts.useSpare !== false) state.finishSpare = await takeSpare({ ...opts, layout });
        if (!state.finishSpare) await cloneMirrorRefs(mirror, opts.branch, opts.repoDir, opts.signal);
      });
      const spare = state.finishSpare;
      const claimed = spare !== null && (await spare());
      // A spare that failed now is gone (take-spare.ts): clone after all, the mirror is up to date.
      if (spare && !claimed)
        await withFileLock(lockFile, lock, () =>
          cloneMirrorRefs(mirror, opts.branch, opts.repoDir, opts.signal),
        );
      if (!claimed) {
        await git(["remote", "set-url", "origin", opts.cloneUrl], inRepo);
        // Writes the files, reading every blob of the branch's tree out of the mirror.
        await git(["reset", "--quiet", "--hard"], inRepo);
      }
      return await alternateObjectDirs(join(opts.repoDir, ".git", "objects"));
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      await rm(opts.repoDir, { recursive: true, force: true });
      note(rebuild ? "still unusable after a rebuild" : "could not clone through it", err);
      // Only a mirror that updated and still gave a broken checkout is suspect; a network or lock
      // failure says nothing about it, and the clone without it will report the real problem.
      if (rebuild || !state.suspect || (await healthy(mirror, lockFile, lock))) return null;
      opts.log.warn(`mirror of ${opts.cloneUrl}: git fsck found it broken; rebuilding it`);
    }
  }
  return null;
}

/** Fetches the remote's branches into a new repository beside the mirror, then swaps it in. */
async function build(mirror: string, opts: MirrorCloneOptions): Promise<void> {
  const tmp = `${mirror.replace(/\.git$/, "")}.tmp-${randomBytes(6).toString("hex")}`;
  try {
    await git(["init", "--quiet", "--bare", tmp]);
    // Never collect garbage: checkouts borrow these objects, including ones no branch reaches now.
    await git(["--git-dir", tmp, "config", "gc.auto", "0"]);
    await git(["--git-dir", tmp, "config", "maintenance.auto", "false"]);
    await fetchHeads(tmp, opts);
    if (existsSync(mirror)) {
      const old = `${mirror.replace(/\.git$/, "")}.old-${randomBytes(6).toString("hex")}`;
      await rename(mirror, old);
      await rename(tmp, mirror);
      await rm(old, { recursive: true, force: true });
    } else await rename(tmp, mirror);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function refresh(mirror: string, opts: MirrorCloneOptions): Promise<void> {
  await fetchHeads(mirror, opts, ["--prune"]);
}

function fetchHeads(gitDir: string, opts: MirrorCloneOptions, extra: string[] = []): Promise<string> {
  return git(
    [
      "--git-dir",
      gitDir,
      "fetch",
      "--quiet",
      "--no-tags",
      "--no-write-fetch-head",
      // The mirror never collects garbage (build); this also saves spawning `maintenance --auto`.
      "--no-auto-gc",
      ...extra,
      "--",
      opts.cloneUrl,
      HEADS,
    ],
    { token: opts.token, timeoutMs: opts.fetchTimeoutMs ?? FETCH_TIMEOUT_MS, signal: opts.signal },
  );
}

async function healthy(mirror: string, lockFile: string, lock: FileLockOptions): Promise<boolean> {
  try {
    await withFileLock(lockFile, lock, () =>
      git(["--git-dir", mirror, "fsck", "--no-progress", "--no-dangling"], {
        timeoutMs: FSCK_TIMEOUT_MS,
        signal: lock.signal,
      }),
    );
    return true;
  } catch {
    return false;
  }
}

/**
 * What a bridge killed half-way left. Mirrors being built or swapped are only ever written under
 * the lock, so garbage now; a spare being made is written outside it, so only once clearly stale.
 * Ready spares stay: they are whole, and the next run claims them.
 */
async function removeLeftovers(root: string, key: string): Promise<void> {
  const names = await readdir(root);
  const stale = async (path: string) => {
    const made = await stat(path).catch(() => null);
    return made !== null && Date.now() - made.mtimeMs > STALE_PREP_MS;
  };
  await Promise.all(
    names.map(async (n) => {
      const path = join(root, n);
      if (
        n.startsWith(`${key}.tmp-`) ||
        n.startsWith(`${key}.old-`) ||
        (n.startsWith(`${key}.prep-`) && (await stale(path)))
      )
        await rm(path, { recursive: true, force: true });
    }),
  );
}
