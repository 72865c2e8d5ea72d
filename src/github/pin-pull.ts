/**
 * A pull request's head and base as they are when the trigger is accepted: the run starts from this
 * commit, whatever is pushed afterwards (an edit-after-check on code, like an edited comment).
 */
import type { StartSessionRequest } from "../core/start-session-request.js";
import type { GitHubClient } from "./github-client.js";
import { PullRequest } from "./webhook-schemas.js";

export type PinnedPull = NonNullable<StartSessionRequest["pull"]>;

export function pinnedFrom(pr: PullRequest, baseRepo: string): PinnedPull {
  const headRepo = pr.head.repo?.full_name;
  return {
    headSha: pr.head.sha,
    headRef: pr.head.ref,
    // A deleted fork has no repository any more; it is still not ours to push to.
    headRepo: headRepo ?? "(deleted fork)",
    baseRef: pr.base.ref,
    isFork: headRepo === undefined || headRepo.toLowerCase() !== baseRepo.toLowerCase(),
  };
}

/** `pulls.get` once, at trigger time: the pinned head, and the pull request as GitHub has it now. */
export async function pinPull(
  octokit: GitHubClient,
  owner: string,
  repo: string,
  number: number,
): Promise<{ pull: PinnedPull; pr: PullRequest }> {
  const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
  const pr = PullRequest.parse(data);
  return { pull: pinnedFrom(pr, `${owner}/${repo}`), pr };
}
