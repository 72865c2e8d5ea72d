/**
 * A comment where the request was made: the issue or pull request conversation, or the review
 * thread of the review comment that asked. Used for the app's answers (help, a refusal, a config
 * problem), the session's replies and each run's status comment. Returns the new comment's id.
 */
import type { StartSessionRequest } from "../core/start-session-request.js";
import type { GitHubClient } from "./github-client.js";

export type ReplyPlace = {
  owner: string;
  repo: string;
  number: number;
  replyTo: StartSessionRequest["replyTo"];
};

/** The two endpoints a reply needs: Probot's client and the session's both have them. */
type ReplyClient = { rest: Pick<GitHubClient["rest"], "issues" | "pulls"> };

export async function postReply(octokit: ReplyClient, to: ReplyPlace, body: string): Promise<{ id: number }> {
  const { data } =
    to.replyTo.kind === "review_thread"
      ? await octokit.rest.pulls.createReplyForReviewComment({
          owner: to.owner,
          repo: to.repo,
          pull_number: to.number,
          comment_id: to.replyTo.commentId,
          body,
        })
      : await octokit.rest.issues.createComment({
          owner: to.owner,
          repo: to.repo,
          issue_number: to.number,
          body,
        });
  return { id: data.id };
}

/** Where a session's request was made, as postReply takes it. */
export const placeOf = (req: {
  repo: { owner: string; name: string };
  issue: { number: number };
  replyTo: StartSessionRequest["replyTo"];
}): ReplyPlace => ({
  owner: req.repo.owner,
  repo: req.repo.name,
  number: req.issue.number,
  replyTo: req.replyTo,
});
