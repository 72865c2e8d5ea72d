/**
 * Where a new session works: its branch, the base it is compared with, and whether it opens a pull
 * request of its own. A session started on a pull request of the same repository works on that PR's
 * head branch and pushes there (the PR is updated, none is opened); one started on a pull request
 * from a fork never pushes to the fork: it works on a branch of its own, started from the PR's head,
 * and opens a pull request from it.
 */
import { branchName } from "../../src/core/branch-name.js";
import type { StartSessionRequest } from "../../src/core/start-session-request.js";
import type { Config } from "../config.js";

export type SessionBranch = { branch: string; baseBranch: string; originIsPullRequest: boolean };

export function sessionBranch(
  config: Pick<Config, "BRANCH_PREFIX">,
  req: StartSessionRequest,
): SessionBranch {
  const own = branchName(req.options.branchPrefix ?? config.BRANCH_PREFIX, req.issue.number, req.issue.title);
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
