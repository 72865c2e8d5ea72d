import { authorAssociation } from "./author-association.js";
import { ensureUser } from "./ensure-user.js";
import { isoTime } from "./iso-time.js";
import { nodeId } from "./node-id.js";
import { renderRepository } from "./render-repository.js";
import { renderUser } from "./render-user.js";
import type { StandInContext } from "./stand-in-context.js";
import type { StandInPull, StandInRepo } from "./stand-in-state.js";

/** A pull request as GET /repos/{o}/{r}/pulls/{n} shows it; branch tips come from the bare repo. */
export function renderPull(
  ctx: StandInContext,
  repo: StandInRepo,
  pull: StandInPull,
  shas: { head: string | null; base: string | null },
) {
  const api = `${ctx.apiUrl}/repos/${repo.owner}/${repo.name}`;
  const html = `${ctx.url}/${repo.owner}/${repo.name}/pull/${pull.number}`;
  const owner = renderUser(ctx, ensureUser(ctx.state, repo.owner));
  const repository = renderRepository(ctx, repo);
  const side = (ref: string, sha: string | null) => ({
    label: `${repo.owner}:${ref}`,
    ref,
    sha: sha ?? "0000000000000000000000000000000000000000",
    user: owner,
    repo: repository,
  });
  return {
    url: `${api}/pulls/${pull.number}`,
    id: pull.id,
    node_id: nodeId("PullRequest", pull.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api}/issues/${pull.number}`,
    commits_url: `${api}/pulls/${pull.number}/commits`,
    review_comments_url: `${api}/pulls/${pull.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${pull.number}/comments`,
    statuses_url: `${api}/statuses/${shas.head ?? ""}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: renderUser(ctx, ensureUser(ctx.state, pull.user)),
    body: pull.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: isoTime(pull.createdAt),
    updated_at: isoTime(pull.updatedAt),
    closed_at: pull.state === "closed" ? isoTime(pull.updatedAt) : null,
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: side(pull.head, shas.head),
    base: side(pull.base, shas.base),
    author_association: authorAssociation(repo, pull.user),
    auto_merge: null,
    draft: pull.draft,
    merged: false,
    mergeable: null,
    mergeable_state: "unknown",
    merged_by: null,
    comments: ctx.state.comments.filter(
      (c) => c.owner === pull.owner && c.repo === pull.repo && c.issueNumber === pull.number,
    ).length,
    review_comments: 0,
    maintainer_can_modify: false,
  };
}
