/**
 * Clones the repository and puts the session branch in place: checked out from the remote on a
 * follow-up run, created from the base branch on the first. With a mirror cache (mirror-cache.ts,
 * UNDERSTUDY_MIRROR_DIR) only what is new since the last run crosses the network.
 */
import { join } from "node:path";
import type { SandboxSpec } from "../../core/wire.js";
import { git, gitMaybe } from "./git.js";
import { type BridgeLog, stderrLog } from "./log.js";
import { alternateObjectDirs, cloneThroughMirror } from "./mirror-cache.js";

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
};

export type PrepareCheckoutOptions = {
  /** Root of the mirror cache; default UNDERSTUDY_MIRROR_DIR. Empty or unset: no cache. */
  mirrorDir?: string;
  /** Where the cache's warnings go (a mirror that could not be used); default stderr. */
  log?: BridgeLog;
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
  const throughMirror = mirrorDir
    ? await cloneThroughMirror({
        root: mirrorDir,
        cloneUrl,
        branch: base,
        repoDir,
        token,
        log: opts.log ?? stderrLog(),
        signal,
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
  const baseSha = await git(["rev-parse", "--verify", `refs/remotes/origin/${base}^{commit}`], inRepo);
  let remoteBranchSha = await gitMaybe(
    ["rev-parse", "--verify", "--quiet", `refs/remotes/origin/${branch}^{commit}`],
    inRepo,
  );
  const { startSha, startRef, ownSha } = spec.repo;
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
  } else if (remoteBranchSha)
    await git(["checkout", "--quiet", "-B", branch, `refs/remotes/origin/${branch}`], inRepo);
  else await git(["checkout", "--quiet", "-b", branch], inRepo);
  await git(["config", "user.name", spec.author.name], inRepo);
  await git(["config", "user.email", spec.author.email], inRepo);
  const headSha = await git(["rev-parse", "HEAD"], inRepo);
  const objectDirs = await alternateObjectDirs(join(repoDir, ".git", "objects"));
  return {
    repoDir,
    branch,
    base,
    baseSha,
    remoteBranchSha,
    headSha,
    created: remoteBranchSha === null,
    objectDirs,
  };
}
