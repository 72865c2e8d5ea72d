/**
 * Where a new session works: its branch, the base it is compared with, and whether it opens a pull
 * request of its own. A session started on a pull request of the same repository works on that PR's
 * head branch and pushes there (the PR is updated, none is opened); one started on a pull request
 * from a fork never pushes to the fork: it works on a branch of its own, started from the PR's head,
 * and opens a pull request from it. So does one on a pull request whose head must not be pushed to
 * (headOffLimits): the default branch, or a PR that is closed or merged.
 */
import { branchName } from "../../src/core/branch-name.js";
import type { StartSessionRequest } from "../../src/core/start-session-request.js";
import type { Config } from "../config.js";

export type SessionBranch = { branch: string; baseBranch: string; originIsPullRequest: boolean };

/** Why a same-repository pull request's head is not the session's to push to, and what to do instead. */
export type OffLimits = {
  /** Ends "This pull request …". */
  why: string;
  /** What the session's own branch is compared with, and its pull request proposed to. */
  base: string;
  /** Whether the own branch starts from the PR's pinned head (else from `base`). */
  fromHead: boolean;
};

/**
 * Null when the session may push to the pull request's head. Pushing to the default branch would
 * bypass review (a `main` → `release` PR); a closed PR's head updates nothing anyone looks at, and
 * a merged one's work is already in its base, where a follow-up starts (a squash merge would
 * otherwise bring the old commits back).
 */
export function headOffLimits(req: Pick<StartSessionRequest, "pull" | "repo">): OffLimits | null {
  const pull = req.pull;
  if (!pull || pull.isFork) return null;
  if (pull.merged) return { why: "is merged", base: pull.baseRef, fromHead: false };
  if (pull.state === "closed") return { why: "is closed", base: pull.baseRef, fromHead: true };
  if (pull.headRef === req.repo.defaultBranch)
    return { why: `comes from \`${pull.headRef}\`, the default branch`, base: pull.headRef, fromHead: true };
  return null;
}

export function sessionBranch(
  config: Pick<Config, "BRANCH_PREFIX">,
  req: StartSessionRequest,
): SessionBranch {
  const own = branchName(req.options.branchPrefix ?? config.BRANCH_PREFIX, req.issue.number, req.issue.title);
  const offLimits = headOffLimits(req);
  if (offLimits) return { branch: own, baseBranch: offLimits.base, originIsPullRequest: false };
  if (req.pull && !req.pull.isFork)
    return { branch: req.pull.headRef, baseBranch: req.pull.baseRef, originIsPullRequest: true };
  if (req.pull) return { branch: own, baseBranch: req.pull.baseRef, originIsPullRequest: false };
  return {
    branch: own,
    baseBranch: req.options.base ?? req.repo.defaultBranch,
    // A pull request without its head pinned (an older request): never open a second PR on it.
    originIsPullRequest: req.issue.isPullRequest,
  };
}

/** The run's time limit: the request's (flag or repository config) may shorten the deployment's, never lengthen it. */
export const runTimeLimitMs = (config: Pick<Config, "TIME_LIMIT_MS">, req: StartSessionRequest): number =>
  Math.min(req.options.timeLimitMs ?? config.TIME_LIMIT_MS, config.TIME_LIMIT_MS);
