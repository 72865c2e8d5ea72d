/**
 * An answer from the app itself (help, a refusal, a config problem) where the request was made: the
 * issue or pull request conversation, or the review thread of the review comment that asked.
 */
import type { StartSessionRequest } from "../core/start-session-request.js";
import type { GitHubClient } from "./github-client.js";

export type ReplyPlace = {
  owner: string;
  repo: string;
  number: number;
  replyTo: StartSessionRequest["replyTo"];
};

export async function postReply(octokit: GitHubClient, to: ReplyPlace, body: string): Promise<void> {
  if (to.replyTo.kind === "review_thread") {
    await octokit.rest.pulls.createReplyForReviewComment({
      owner: to.owner,
      repo: to.repo,
      pull_number: to.number,
      comment_id: to.replyTo.commentId,
      body,
    });
    return;
  }
  await octokit.rest.issues.createComment({ owner: to.owner, repo: to.repo, issue_number: to.number, body });
}
