import { authorAssociation } from "./author-association.js";
import { ensureUser } from "./ensure-user.js";
import { isoTime } from "./iso-time.js";
import { nodeId } from "./node-id.js";
import { renderUser } from "./render-user.js";
import type { StandInContext } from "./stand-in-context.js";
import type { StandInIssue, StandInPull, StandInRepo } from "./stand-in-state.js";

/**
 * An issue as GET /repos/{o}/{r}/issues/{n} shows it. A pull request is an issue too: it renders
 * with a `pull_request` member, which is how GitHub (and bots) tell the two apart.
 */
export function renderIssue(ctx: StandInContext, repo: StandInRepo, item: StandInIssue | StandInPull) {
  const api = `${ctx.apiUrl}/repos/${repo.owner}/${repo.name}`;
  const html = `${ctx.url}/${repo.owner}/${repo.name}`;
  const isPull = "head" in item;
  const comments = ctx.state.comments.filter(
    (c) => c.owner === item.owner && c.repo === item.repo && c.issueNumber === item.number,
  ).length;
  return {
    url: `${api}/issues/${item.number}`,
    repository_url: api,
    labels_url: `${api}/issues/${item.number}/labels{/name}`,
    comments_url: `${api}/issues/${item.number}/comments`,
    events_url: `${api}/issues/${item.number}/events`,
    html_url: `${html}/${isPull ? "pull" : "issues"}/${item.number}`,
    id: item.id,
    node_id: nodeId(isPull ? "PullRequest" : "Issue", item.id),
    number: item.number,
    title: item.title,
    user: renderUser(ctx, ensureUser(ctx.state, item.user)),
    labels: [],
    state: item.state,
    locked: false,
    assignee: null,
    assignees: [],
    milestone: null,
    comments,
    created_at: isoTime(item.createdAt),
    updated_at: isoTime(item.updatedAt),
    closed_at: null,
    author_association: authorAssociation(repo, item.user),
    active_lock_reason: null,
    ...(isPull
      ? {
          draft: item.draft,
          pull_request: {
            url: `${api}/pulls/${item.number}`,
            html_url: `${html}/pull/${item.number}`,
            diff_url: `${html}/pull/${item.number}.diff`,
            patch_url: `${html}/pull/${item.number}.patch`,
            merged_at: null,
          },
        }
      : {}),
    body: item.body,
    state_reason: null,
  };
}
