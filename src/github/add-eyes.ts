/**
 * The 👀 that says "seen, on it", on the thing that asked, through the reactions endpoint of its kind
 * (https://docs.github.com/rest/reactions/reactions). Review bodies have no reactions endpoint, so a
 * request made in a review summary gets none: its status comment is the acknowledgement.
 */
import type { GitHubClient } from "./github-client.js";

export type ReactTarget =
  | { on: "issue_comment"; commentId: number }
  | { on: "issue"; number: number }
  | { on: "review_comment"; commentId: number }
  | { on: "none" };

export async function addEyes(
  octokit: GitHubClient,
  owner: string,
  repo: string,
  target: ReactTarget,
): Promise<void> {
  const content = "eyes" as const;
  if (target.on === "issue_comment")
    await octokit.rest.reactions.createForIssueComment({
      owner,
      repo,
      comment_id: target.commentId,
      content,
    });
  else if (target.on === "issue")
    await octokit.rest.reactions.createForIssue({ owner, repo, issue_number: target.number, content });
  else if (target.on === "review_comment")
    await octokit.rest.reactions.createForPullRequestReviewComment({
      owner,
      repo,
      comment_id: target.commentId,
      content,
    });
}
