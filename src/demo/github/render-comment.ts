import { authorAssociation } from "./author-association.js";
import { ensureUser } from "./ensure-user.js";
import { isoTime } from "./iso-time.js";
import { nodeId } from "./node-id.js";
import { renderUser } from "./render-user.js";
import type { StandInContext } from "./stand-in-context.js";
import type { StandInComment, StandInRepo } from "./stand-in-state.js";

const REACTION_KEYS = ["+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"] as const;

/** An issue comment as the REST API and webhooks show it, with its reaction rollup. */
export function renderComment(ctx: StandInContext, repo: StandInRepo, comment: StandInComment) {
  const api = `${ctx.apiUrl}/repos/${repo.owner}/${repo.name}`;
  const isPull = ctx.state.pulls.some(
    (p) => p.owner === comment.owner && p.repo === comment.repo && p.number === comment.issueNumber,
  );
  const kind = isPull ? "pull" : "issues";
  const reactions = ctx.state.reactions.filter((r) => r.commentId === comment.id);
  const counts = Object.fromEntries(
    REACTION_KEYS.map((k) => [k, reactions.filter((r) => r.content === k).length]),
  );
  const user = ensureUser(ctx.state, comment.user);
  return {
    url: `${api}/issues/comments/${comment.id}`,
    html_url: `${ctx.url}/${repo.owner}/${repo.name}/${kind}/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${api}/issues/${comment.issueNumber}`,
    id: comment.id,
    node_id: nodeId("IssueComment", comment.id),
    user: renderUser(ctx, user),
    created_at: isoTime(comment.createdAt),
    updated_at: isoTime(comment.updatedAt),
    author_association: authorAssociation(repo, comment.user),
    body: comment.body,
    reactions: {
      url: `${api}/issues/comments/${comment.id}/reactions`,
      total_count: reactions.length,
      ...counts,
    },
    performed_via_github_app: user.login === ctx.app.botLogin ? { id: ctx.app.id, slug: ctx.app.slug } : null,
  };
}
