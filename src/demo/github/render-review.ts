import { authorAssociation } from "./author-association.js";
import { ensureUser } from "./ensure-user.js";
import { isoTime } from "./iso-time.js";
import { nodeId } from "./node-id.js";
import { renderUser } from "./render-user.js";
import type { StandInReview } from "./review-state.js";
import type { StandInContext } from "./stand-in-context.js";
import type { StandInRepo } from "./stand-in-state.js";

/** A submitted review as webhooks show it: https://docs.github.com/rest/pulls/reviews */
export function renderReview(ctx: StandInContext, repo: StandInRepo, r: StandInReview) {
  const api = `${ctx.apiUrl}/repos/${repo.owner}/${repo.name}`;
  const html = `${ctx.url}/${repo.owner}/${repo.name}/pull/${r.pullNumber}#pullrequestreview-${r.id}`;
  return {
    id: r.id,
    node_id: nodeId("PullRequestReview", r.id),
    user: renderUser(ctx, ensureUser(ctx.state, r.user)),
    body: r.body,
    commit_id: r.commitId,
    submitted_at: isoTime(r.submittedAt),
    state: r.state,
    html_url: html,
    pull_request_url: `${api}/pulls/${r.pullNumber}`,
    author_association: authorAssociation(repo, r.user),
    _links: { html: { href: html }, pull_request: { href: `${api}/pulls/${r.pullNumber}` } },
  };
}
