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

export type PinAt = {
  /** When the comment that asked was written (GitHub's ISO time). */
  at: string | null;
  /** The recorded head of the pull request at a moment; null when unknown. */
  headAt?: ((pullNumber: number, atMs: number) => Promise<string | null>) | undefined;
};

/**
 * `pulls.get` once: the pull request as GitHub has it now, and the head to start from. That head is
 * the one the pull request had when the comment was written, when the Worker recorded the pushes
 * (pull_request events) up to then: a push between the comment and its handling (seconds, minutes
 * when retried) must not change what runs. Without a record, the head now.
 */
export async function pinPull(
  octokit: GitHubClient,
  owner: string,
  repo: string,
  number: number,
  when: PinAt = { at: null },
): Promise<{ pull: PinnedPull; pr: PullRequest }> {
  const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
  const pr = PullRequest.parse(data);
  const pull = pinnedFrom(pr, `${owner}/${repo}`);
  const atMs = when.at ? Date.parse(when.at) : Number.NaN;
  if (when.headAt && Number.isFinite(atMs)) {
    const then = await when.headAt(number, atMs);
    if (then && then !== pull.headSha) return { pull: { ...pull, headSha: then }, pr };
  }
  return { pull, pr };
}
