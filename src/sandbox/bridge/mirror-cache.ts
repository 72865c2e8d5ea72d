/**
 * A per-repository mirror on the host, so a run's clone fetches only what is new since the last run
 * of any session on the same repository.
 *
 * `<root>/<sha256 of the clone URL without credentials>.git` is a bare repository holding the
 * remote's branches (refs/heads/* only: GitHub's refs/pull/* can be far larger than the branches).
 * A run, holding the lock `<root>/<hash>.lock` (flock, see file-lock.ts):
 *   1. creates the mirror if it is missing (`init` + `fetch`) or brings it up to date
 *      (`fetch --prune`); either way over the network, with the run's token;
 *   2. clones it with `--shared --no-checkout`: refs only, objects borrowed through
 *      objects/info/alternates, no copy.
 * Then, without the lock, it points `origin` back at the real remote and writes the files.
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
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { type FileLockOptions, withFileLock } from "./file-lock.js";
import { git, gitMaybe } from "./git.js";
import type { BridgeLog } from "./log.js";

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
};

const LOCK_WAIT_MS = 10 * 60_000;
const FETCH_TIMEOUT_MS = 10 * 60_000;
// Reads every object: minutes on a very large repository, and only ever run after a failure.
const FSCK_TIMEOUT_MS = 5 * 60_000;
const HEADS = "+refs/heads/*:refs/heads/*";

/** The clone URL without user or password: the key of its mirror, so a token never shapes a path. */
export function mirrorKey(cloneUrl: string): string {
  let url = cloneUrl;
  try {
    const parsed = new URL(cloneUrl);
    parsed.username = "";
    parsed.password = "";
    url = parsed.toString();
  } catch {
    // Not a URL (a path, or scp-like user@host:path): keyed as written.
  }
  return createHash("sha256").update(url).digest("hex");
}

/** `<root>/<key>.git`: where the mirror of `cloneUrl` lives. */
export function mirrorPath(root: string, cloneUrl: string): string {
  return join(root, `${mirrorKey(cloneUrl)}.git`);
}

/**
 * Clones `cloneUrl` at `branch` into `repoDir` by way of its mirror under `root`. Resolves with the
 * object directories the checkout borrows from (see {@link alternateObjectDirs}), or null when the
 * mirror could not be used; `repoDir` is then gone and the caller clones without it. Rejects only
 * when `signal` aborted.
 */
export async function cloneThroughMirror(opts: MirrorCloneOptions): Promise<string[] | null> {
  const key = mirrorKey(opts.cloneUrl);
  const mirror = join(opts.root, `${key}.git`);
  const lockFile = join(opts.root, `${key}.lock`);
  const lock: FileLockOptions = { waitMs: opts.lockWaitMs ?? LOCK_WAIT_MS, signal: opts.signal };
  const note = (what: string, err: unknown) =>
    opts.log.warn(`mirror of ${opts.cloneUrl}: ${what}: ${err instanceof Error ? err.message : String(err)}`);

  for (const rebuild of [false, true]) {
    // Set from inside the lock's callback, so kept in an object the compiler won't narrow.
    const state = { suspect: false };
    try {
      await mkdir(opts.root, { recursive: true });
      await withFileLock(lockFile, lock, async () => {
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
        await cloneMirror(mirror, opts);
      });
      await git(["remote", "set-url", "origin", opts.cloneUrl], { cwd: opts.repoDir });
      // Writes the files, reading every blob of the branch's tree out of the mirror.
      await git(["reset", "--quiet", "--hard"], { cwd: opts.repoDir, signal: opts.signal });
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
      ...extra,
      "--",
      opts.cloneUrl,
      HEADS,
    ],
    { token: opts.token, timeoutMs: opts.fetchTimeoutMs ?? FETCH_TIMEOUT_MS, signal: opts.signal },
  );
}

/** Refs only, under the lock: the objects stay in the mirror and the files are written later. */
async function cloneMirror(mirror: string, opts: MirrorCloneOptions): Promise<void> {
  // The clone's origin/HEAD follows the mirror's HEAD, which a fetch does not set.
  await git(["--git-dir", mirror, "symbolic-ref", "HEAD", `refs/heads/${opts.branch}`]);
  await git(
    [
      "clone",
      "--quiet",
      "--shared",
      "--no-checkout",
      "--no-tags",
      "--branch",
      opts.branch,
      "--",
      mirror,
      opts.repoDir,
    ],
    { signal: opts.signal },
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

/** What a bridge killed half-way left: only ever written under the lock, so garbage now. */
async function removeLeftovers(root: string, key: string): Promise<void> {
  const names = await readdir(root);
  await Promise.all(
    names
      .filter((n) => n.startsWith(`${key}.tmp-`) || n.startsWith(`${key}.old-`))
      .map((n) => rm(join(root, n), { recursive: true, force: true })),
  );
}

/**
 * The object directories outside `objectsDir` that a repository borrows from, following
 * objects/info/alternates the way git does (nested, relative to the directory that names them).
 * A sandbox that shows the agent only bound paths must bind these too, read-only.
 */
export async function alternateObjectDirs(objectsDir: string, depth = 0): Promise<string[]> {
  // git itself stops at 5 levels of nesting.
  if (depth >= 5) return [];
  let text: string;
  try {
    text = await readFile(join(objectsDir, "info", "alternates"), "utf8");
  } catch {
    return [];
  }
  const dirs: string[] = [];
  for (const line of text.split("\n")) {
    const entry = line.trim();
    if (entry === "" || entry.startsWith("#")) continue;
    const dir = isAbsolute(entry) ? entry : resolve(objectsDir, entry);
    for (const d of [dir, ...(await alternateObjectDirs(dir, depth + 1))])
      if (!dirs.includes(d)) dirs.push(d);
  }
  return dirs;
}
