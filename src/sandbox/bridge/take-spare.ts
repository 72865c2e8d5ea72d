/**
 * A run's checkout from a spare (prepare-spare.ts): a checkout of the repository made ahead of the
 * run, beside its mirror, so that the run writes only the files that changed since, instead of all
 * of them (writing a few thousand files is most of a checkout once the mirror saves the transfer).
 *
 * The spare was made on the host, outside every sandbox, by the bridge of an earlier run from the
 * same mirror, and no agent ever saw it: it is trusted exactly as a fresh clone of the mirror is.
 * What is left of it once claimed is what a fresh clone leaves: the same config (origin the real
 * remote), the same alternates, the base branch checked out at the mirror's commit, index and files
 * matching it. Whatever goes wrong with a spare, it is removed and the run clones as it would have
 * without one.
 */
import { mkdir, readdir, readFile, realpath, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { alternateObjectDirs } from "./alternate-object-dirs.js";
import { git } from "./git.js";
import type { BridgeLog } from "./log.js";
import type { MirrorLayout } from "./mirror-layout.js";

export type TakeSpareOptions = {
  root: string;
  layout: MirrorLayout;
  cloneUrl: string;
  /** The base branch: a spare made for another one is discarded. */
  branch: string;
  /** Where the checkout goes; must not exist. */
  repoDir: string;
  log: BridgeLog;
  signal?: AbortSignal;
};

/**
 * Moves a ready spare to `repoDir` and brings its remote-tracking branches up to the mirror's.
 * Call it under the mirror's lock, after the mirror's update: the rename is what makes a spare one
 * run's only (two runs never get the same one), and the fetch reads the mirror's refs. Resolves with
 * the step to run after the lock is released, which checks the base branch out and resolves false
 * (with `repoDir` gone) if that failed; or with null when there was no usable spare (nor `repoDir`).
 * Rejects only when `signal` aborted.
 */
export async function takeSpare(o: TakeSpareOptions): Promise<(() => Promise<boolean>) | null> {
  const note = (what: string, err: unknown) =>
    o.log.warn(
      `mirror of ${o.cloneUrl}: ${what}, cloning instead: ${err instanceof Error ? err.message : String(err)}`,
    );
  const names = (await readdir(o.root)).filter((n) => n.startsWith(o.layout.sparePrefix));
  // As `git clone` would make it, so a missing parent does not cost the spare.
  if (names.length > 0) await mkdir(dirname(o.repoDir), { recursive: true });
  for (const name of names) {
    const spare = join(o.root, name);
    try {
      await checkSpare(spare, o);
      // Atomic, and EXDEV when the runs' directories are on another file system than the cache.
      await rename(spare, o.repoDir);
    } catch (err) {
      note(`discarded the spare checkout ${name}`, err);
      await rm(spare, { recursive: true, force: true });
      continue;
    }
    try {
      // Only refs move: every object the mirror has is already the checkout's through alternates.
      await git(
        [
          "fetch",
          "--quiet",
          "--no-tags",
          "--prune",
          "--no-write-fetch-head",
          // No `maintenance run --auto` after it: a process of its own, and nothing to do here.
          "--no-auto-gc",
          "--",
          o.layout.mirror,
          "+refs/heads/*:refs/remotes/origin/*",
        ],
        { cwd: o.repoDir, signal: o.signal },
      );
    } catch (err) {
      if (o.signal?.aborted) throw err;
      await rm(o.repoDir, { recursive: true, force: true });
      note("could not update the spare checkout", err);
      return null;
    }
    return () => finishSpare(o, note);
  }
  return null;
}

/** The same base branch, and borrowing from this mirror exactly as a fresh clone of it would. */
async function checkSpare(spare: string, o: TakeSpareOptions): Promise<void> {
  const head = await readFile(join(spare, ".git", "HEAD"), "utf8");
  if (head !== `ref: refs/heads/${o.branch}\n`) throw new Error(`it is not on ${o.branch}`);
  const dirs = await alternateObjectDirs(join(spare, ".git", "objects"));
  const own = await realpath(join(o.layout.mirror, "objects"));
  if (dirs.length !== 1 || (await realpath(dirs[0]!).catch(() => null)) !== own)
    throw new Error("it does not borrow from the mirror's objects");
}

async function finishSpare(
  o: TakeSpareOptions,
  note: (what: string, err: unknown) => void,
): Promise<boolean> {
  try {
    if (!(await originIs(o.repoDir, o.cloneUrl)))
      await git(["remote", "set-url", "origin", o.cloneUrl], { cwd: o.repoDir });
    // --force: index and files end matching the commit, whatever state the spare was in. Only
    // the files that differ from the spare's commit are written (git compares the index's stat data).
    await git(["checkout", "--quiet", "--force", "-B", o.branch, `refs/remotes/origin/${o.branch}`], {
      cwd: o.repoDir,
      signal: o.signal,
    });
    return true;
  } catch (err) {
    if (o.signal?.aborted) throw err;
    await rm(o.repoDir, { recursive: true, force: true });
    note("could not check out the spare checkout", err);
    return false;
  }
}

/**
 * Whether the spare's config names `cloneUrl` as its only URL, as prepare-spare.ts leaves it. Read
 * as text, in git's own layout: any other spelling (a URL git had to quote, one that differs in
 * credentials, which the mirror's key ignores) only means the URL is set again.
 */
async function originIs(repoDir: string, cloneUrl: string): Promise<boolean> {
  const config = await readFile(join(repoDir, ".git", "config"), "utf8");
  return config.includes(`\n\turl = ${cloneUrl}\n`) && config.split("\turl = ").length === 2;
}
