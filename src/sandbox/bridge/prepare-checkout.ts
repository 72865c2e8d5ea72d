/**
 * Clones the repository and puts the session branch in place: checked out from the remote on a
 * follow-up run, created from the base branch on the first. With a mirror cache (mirror-cache.ts,
 * UNDERSTUDY_MIRROR_DIR) only what is new since the last run crosses the network, and a checkout
 * made ahead by the previous run (a spare, prepare-spare.ts) saves writing the files again.
 */
import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { SandboxSpec } from "../../core/wire.js";
import { type GitOptions, git, gitMaybe } from "./git.js";
import { type BridgeLog, stderrLog } from "./log.js";
import { alternateObjectDirs, cloneThroughMirror } from "./mirror-cache.js";
import { prepareSpare } from "./prepare-spare.js";

export type Checkout = {
  repoDir: string;
  branch: string;
  base: string;
  /** The base branch's commit at clone time: what "commits ahead" is counted from. */
  baseSha: string;
  /** The session branch's commit on the remote before this run, null when it did not exist. */
  remoteBranchSha: string | null;
  headSha: string;
  created: boolean;
  /**
   * Object directories outside `repoDir` that the checkout borrows objects from (its mirror's, when
   * cloned through one; see objects/info/alternates). Git in the checkout, the push included, fails
   * without them: a sandbox that shows the agent only bound paths must bind these, read-only.
   */
  objectDirs: string[];
  /**
   * The spare checkout being made for the next run on this repository, in the background while the
   * agent works, its git at low priority (prepare-spare.ts); absent when the checkout did not come
   * through the mirror cache.
   * Never rejects (a failure is a warning in the log). The bridge must await it, with a bound, before
   * it exits: the bridge is PID 1 of its own PID namespace, so its git children die with it. One cut
   * short leaves only a `<key>.prep-*` directory, which a later run removes once stale.
   */
  spare?: Promise<void>;
};

export type PrepareCheckoutOptions = {
  /** Root of the mirror cache; default UNDERSTUDY_MIRROR_DIR. Empty or unset: no cache. */
  mirrorDir?: string;
  /** Where the cache's warnings go (a mirror that could not be used); default stderr. */
  log?: BridgeLog;
  /** Whether to make a spare checkout for the next run after cloning through the cache (default true). */
  prepareSpare?: boolean;
  /** Whether to claim a spare checkout an earlier run made (default true). */
  useSpare?: boolean;
};

// Large repositories take a while; bounded so a stuck transfer fails the run instead of hanging it.
const CLONE_TIMEOUT_MS = 10 * 60_000;

/** `signal` aborts the clone (a stop or the time limit while cloning). */
export async function prepareCheckout(
  spec: SandboxSpec,
  repoDir: string,
  token: string,
  signal?: AbortSignal,
  opts: PrepareCheckoutOptions = {},
): Promise<Checkout> {
  const { cloneUrl, baseBranch: base, branch } = spec.repo;
  if (branch === base) throw new Error(`refusing to work on the base branch ${base} itself`);
  // Also rejects names that begin with "-" and could be read as options below.
  await git(["check-ref-format", `refs/heads/${branch}`]).catch(() => {
    throw new Error(`not a valid branch name: ${branch}`);
  });

  // A full clone (no --filter): a partial clone would fetch missing blobs later, and the agent has
  // no credential to do that with. It also brings every remote branch, so no separate ls-remote.
  const mirrorDir = opts.mirrorDir ?? process.env.UNDERSTUDY_MIRROR_DIR;
  const log = opts.log ?? stderrLog();
  const throughMirror = mirrorDir
    ? await cloneThroughMirror({
        root: mirrorDir,
        cloneUrl,
        branch: base,
        repoDir,
        token,
        log,
        signal,
        useSpare: opts.useSpare,
      })
    : null;
  if (!throughMirror) {
    await git(["clone", "--quiet", "--no-tags", "--branch", base, "--", cloneUrl, repoDir], {
      token,
      timeoutMs: CLONE_TIMEOUT_MS,
      signal,
    });
  }
  const inRepo = { cwd: repoDir };
  const [baseAt, branchAt] = await commitsOf(
    [`refs/remotes/origin/${base}`, `refs/remotes/origin/${branch}`],
    inRepo,
  );
  if (!baseAt) throw new Error(`the clone has no branch ${base}`);
  const baseSha = baseAt;
  let remoteBranchSha = branchAt ?? null;
  const { startSha, startRef, ownSha } = spec.repo;
  // Where HEAD is known without asking git (a git process costs ~10 ms of the run's start).
  let knownHead: string | null = null;
  // The branch has moved since the pin only by this session's own pushes (an earlier queued request):
  // its work is the starting point, not something to undo.
  const movedByUs = remoteBranchSha !== null && remoteBranchSha === ownSha;
  if (
    startSha &&
    !movedByUs &&
    (remoteBranchSha === null || remoteBranchSha === startSha || startRef === undefined)
  ) {
    // A pull request asked: start at the head it had then. From a fork, that commit is fetched from
    // the base repository's refs/pull/<n>/head (the fork itself is never touched).
    if (startRef)
      await git(["fetch", "--quiet", "--no-tags", "origin", startRef], { ...inRepo, token, signal });
    const have = await gitMaybe(["cat-file", "-e", `${startSha}^{commit}`], inRepo);
    if (have === null)
      throw new Error(
        `the pull request's head ${startSha.slice(0, 12)} is no longer in the repository (force-pushed?); ask again`,
      );
    await git(["checkout", "--quiet", "-B", branch, startSha], inRepo);
    // The push is leased to the pinned head: if the branch moved since the request, it is refused
    // instead of overwriting what was pushed.
    if (remoteBranchSha !== null) remoteBranchSha = startSha;
  } else if (remoteBranchSha) {
    await git(["checkout", "--quiet", "-B", branch, `refs/remotes/origin/${branch}`], inRepo);
    knownHead = remoteBranchSha;
  } else {
    // From the clone's HEAD: the base branch, at the commit origin/<base> names.
    await git(["checkout", "--quiet", "-b", branch], inRepo);
    knownHead = baseSha;
  }
  await git(["config", "user.name", spec.author.name], inRepo);
  await git(["config", "user.email", spec.author.email], inRepo);
  const headSha = knownHead ?? (await git(["rev-parse", "HEAD"], inRepo));
  const objectDirs = await alternateObjectDirs(join(repoDir, ".git", "objects"));
  const spare =
    mirrorDir && throughMirror && opts.prepareSpare !== false && (await sameFileSystem(mirrorDir, repoDir))
      ? prepareSpare({ root: mirrorDir, cloneUrl, branch: base, log })
      : undefined;
  return {
    repoDir,
    branch,
    base,
    baseSha,
    remoteBranchSha,
    headSha,
    created: remoteBranchSha === null,
    objectDirs,
    ...(spare ? { spare } : {}),
  };
}

/** A spare is claimed by renaming it to the run's checkout, which only works within one file system. */
async function sameFileSystem(mirrorDir: string, repoDir: string): Promise<boolean> {
  const [a, b] = await Promise.all([stat(mirrorDir), stat(dirname(repoDir))]);
  return a.dev === b.dev;
}

/**
 * The commits `refs` point at, as `<ref>^{commit}` names them, or null for a ref that is missing:
 * in one git process, where a `rev-parse --verify` per ref costs one each.
 */
async function commitsOf(refs: readonly string[], inRepo: GitOptions): Promise<(string | null)[]> {
  const format = "%(refname) %(objecttype) %(objectname) %(*objecttype) %(*objectname)";
  const lines = (await git(["for-each-ref", `--format=${format}`, ...refs], inRepo)).split("\n");
  return Promise.all(
    refs.map(async (ref) => {
      // A pattern also matches the refs below it (refs/remotes/origin/a/b for …/a): only exact names.
      const [, type, sha, peeledType, peeled] =
        lines.map((l) => l.split(" ")).find((f) => f[0] === ref) ?? [];
      if (type === undefined) return null;
      if (type === "commit") return sha ?? null;
      if (peeledType === "commit") return peeled ?? null;
      // A tag of a tag, or of no commit: what git itself makes of it.
      return gitMaybe(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], inRepo);
    }),
  );
}
