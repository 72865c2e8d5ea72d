import { authorAssociation } from "./author-association.js";
import { ensureUser } from "./ensure-user.js";
import { isoTime } from "./iso-time.js";
import { nodeId } from "./node-id.js";
import { renderUser } from "./render-user.js";
import type { StandInReviewComment } from "./review-state.js";
import type { StandInContext } from "./stand-in-context.js";
import type { StandInRepo } from "./stand-in-state.js";

const REACTION_KEYS = ["+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"] as const;

/** A review comment as the REST API and webhooks show it: https://docs.github.com/rest/pulls/comments */
export function renderReviewComment(ctx: StandInContext, repo: StandInRepo, c: StandInReviewComment) {
  const api = `${ctx.apiUrl}/repos/${repo.owner}/${repo.name}`;
  const html = `${ctx.url}/${repo.owner}/${repo.name}/pull/${c.pullNumber}#discussion_r${c.id}`;
  const reactions = ctx.state.reactions.filter((r) => r.commentId === c.id);
  return {
    url: `${api}/pulls/comments/${c.id}`,
    pull_request_review_id: c.reviewId,
    id: c.id,
    node_id: nodeId("PullRequestReviewComment", c.id),
    diff_hunk: c.diffHunk,
    path: c.path,
    position: c.line,
    original_position: c.line,
    commit_id: c.commitId,
    original_commit_id: c.commitId,
    ...(c.inReplyTo !== null ? { in_reply_to_id: c.inReplyTo } : {}),
    user: renderUser(ctx, ensureUser(ctx.state, c.user)),
    body: c.body,
    created_at: isoTime(c.createdAt),
    updated_at: isoTime(c.updatedAt),
    html_url: html,
    pull_request_url: `${api}/pulls/${c.pullNumber}`,
    author_association: authorAssociation(repo, c.user),
    _links: {
      self: { href: `${api}/pulls/comments/${c.id}` },
      html: { href: html },
      pull_request: { href: `${api}/pulls/${c.pullNumber}` },
    },
    reactions: {
      url: `${api}/pulls/comments/${c.id}/reactions`,
      total_count: reactions.length,
      ...Object.fromEntries(REACTION_KEYS.map((k) => [k, reactions.filter((r) => r.content === k).length])),
    },
    start_line: null,
    original_start_line: null,
    start_side: null,
    line: c.line,
    original_line: c.line,
    side: "RIGHT",
    subject_type: "line",
  };
}
