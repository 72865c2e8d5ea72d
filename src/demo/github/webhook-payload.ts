import { createRequire } from "node:module";
import type WebhookExamples from "@octokit/webhooks-examples";
import type { WebhookDefinition } from "@octokit/webhooks-examples";
import { ensureUser } from "./ensure-user.js";
import { findIssueOrPull } from "./find-issue-or-pull.js";
import { findRepo } from "./find-repo.js";
import { nextId } from "./next-id.js";
import { nodeId } from "./node-id.js";
import { renderComment } from "./render-comment.js";
import { renderIssue } from "./render-issue.js";
import { renderPull } from "./render-pull.js";
import { renderRepository } from "./render-repository.js";
import { renderReview } from "./render-review.js";
import { renderReviewComment } from "./render-review-comment.js";
import { renderUser } from "./render-user.js";
import { reviewStateOf } from "./review-state.js";
import type { StandInContext } from "./stand-in-context.js";
import type { StandInRepo } from "./stand-in-state.js";

// The package's entry is a JSON file; require keeps this loadable by plain Node as well as tsx/vitest.
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples") as typeof WebhookExamples;

export type IssueCommentPayload = WebhookDefinition<"issue_comment">["examples"][number];
export type IssuesPayload = WebhookDefinition<"issues">["examples"][number];
export type ReviewCommentPayload = WebhookDefinition<"pull_request_review_comment">["examples"][number];
export type ReviewPayload = WebhookDefinition<"pull_request_review">["examples"][number];

/** The payload type of each kind, from the examples' own typings. */
export type WebhookPayloadMap = {
  "issue_comment.created": Extract<IssueCommentPayload, { action: "created" }>;
  "issue_comment.edited": Extract<IssueCommentPayload, { action: "edited" }>;
  "issue_comment.deleted": Extract<IssueCommentPayload, { action: "deleted" }>;
  "issues.opened": Extract<IssuesPayload, { action: "opened" }>;
  "issues.labeled": Extract<IssuesPayload, { action: "labeled" }>;
  "pull_request_review_comment.created": Extract<ReviewCommentPayload, { action: "created" }>;
  "pull_request_review_comment.edited": Extract<ReviewCommentPayload, { action: "edited" }>;
  "pull_request_review.submitted": Extract<ReviewPayload, { action: "submitted" }>;
};
export type WebhookPayloadKind = keyof WebhookPayloadMap;

export type WebhookPayloadParams = {
  owner: string;
  repo: string;
  /** The issue, or for review kinds the pull request. */
  issueNumber: number;
  /** Required for issue_comment and pull_request_review_comment kinds: the comment's id. */
  commentId?: number;
  /** Required for pull_request_review kinds: the review's id. */
  reviewId?: number;
  /** Required for issues.labeled: the name of the label added (it is on the issue in the payload). */
  label?: string;
  /** Who acted; defaults to the comment's, review's or issue's author. */
  sender?: string;
};

type Event = "issue_comment" | "issues" | "pull_request_review_comment" | "pull_request_review";

/**
 * A webhook payload that starts from a real example in @octokit/webhooks-examples (a user-owned
 * repository, no organization) and replaces repository, issue or pull request, comment or review,
 * label, sender and installation with the stand-in's objects; every other field of the example is
 * kept. A comment on a pull request gets `issue.pull_request`, as GitHub sends it; review events carry
 * the pull request with the head and base it had when the comment or review was written.
 */
export function buildWebhookPayload<K extends WebhookPayloadKind>(
  ctx: StandInContext,
  kind: K,
  params: WebhookPayloadParams,
): WebhookPayloadMap[K] {
  const [event, action] = kind.split(".") as [Event, string];
  const example = structuredClone(pickExample(event, action)) as Record<string, unknown>;
  const repo = findRepo(ctx.state, params.owner, params.repo);
  if (!repo) throw new Error(`webhookPayload: no repository ${params.owner}/${params.repo}`);
  const issue = findIssueOrPull(ctx.state, repo, params.issueNumber);
  if (!issue)
    throw new Error(`webhookPayload: no issue #${params.issueNumber} in ${repo.owner}/${repo.name}`);

  let senderLogin = params.sender ?? issue.user;
  const payload: Record<string, unknown> = { ...example };
  if (event === "issue_comment" || event === "issues") {
    const renderedIssue: Record<string, unknown> = {
      ...(example.issue as object),
      ...renderIssue(ctx, repo, issue),
    };
    if (!("head" in issue)) delete renderedIssue.pull_request;
    delete renderedIssue.draft;
    payload.issue = renderedIssue;
    if (kind === "issues.labeled") addLabel(ctx, repo, renderedIssue, payload, params);
  } else {
    senderLogin = addReviewParts(ctx, repo, event, action === "edited", example, payload, params);
  }
  if (event === "issue_comment") {
    const comment = ctx.state.comments.find((c) => c.id === params.commentId);
    if (!comment || comment.owner !== repo.owner || comment.repo !== repo.name) {
      throw new Error(`webhookPayload: no comment ${params.commentId} in ${repo.owner}/${repo.name}`);
    }
    const {
      reactions: _reactions,
      performed_via_github_app: _app,
      ...rendered
    } = renderComment(ctx, repo, comment);
    payload.comment = { ...(example.comment as object), ...rendered };
    senderLogin = params.sender ?? comment.user;
    if (action === "edited") {
      const previous = comment.history.at(-2)?.body ?? comment.body;
      payload.changes = { body: { from: previous } };
    }
  }
  payload.repository = { ...(example.repository as object), ...renderRepository(ctx, repo) };
  payload.sender = renderUser(ctx, ensureUser(ctx.state, senderLogin));
  payload.installation = { id: repo.installationId, node_id: nodeId("Installation", repo.installationId) };
  delete payload.organization;
  return payload as unknown as WebhookPayloadMap[K];
}

/** `issues.labeled`: the label, on the issue too (GitHub's issue carries the labels it has after). */
function addLabel(
  ctx: StandInContext,
  repo: StandInRepo,
  issue: Record<string, unknown>,
  payload: Record<string, unknown>,
  params: WebhookPayloadParams,
): void {
  if (!params.label) throw new Error("webhookPayload: issues.labeled needs `label`");
  const id = nextId(ctx.state);
  const label = {
    id,
    node_id: nodeId("Label", id),
    url: `${ctx.apiUrl}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(params.label)}`,
    name: params.label,
    color: "5319e7",
    default: false,
    description: null,
  };
  issue.labels = [label];
  payload.label = label;
}

/** Review kinds: the comment or review, and the pull request as it was when it was written. */
function addReviewParts(
  ctx: StandInContext,
  repo: StandInRepo,
  event: "pull_request_review_comment" | "pull_request_review",
  edited: boolean,
  example: Record<string, unknown>,
  payload: Record<string, unknown>,
  params: WebhookPayloadParams,
): string {
  const pull = ctx.state.pulls.find(
    (p) => p.owner === repo.owner && p.repo === repo.name && p.number === params.issueNumber,
  );
  if (!pull) throw new Error(`webhookPayload: #${params.issueNumber} is not a pull request`);
  const state = reviewStateOf(ctx.state);
  let shas: { head: string; base: string };
  let author: string;
  if (event === "pull_request_review_comment") {
    const comment = state.comments.find((c) => c.id === params.commentId && c.pullNumber === pull.number);
    if (!comment) throw new Error(`webhookPayload: no review comment ${params.commentId} on #${pull.number}`);
    const { reactions: _reactions, ...rendered } = renderReviewComment(ctx, repo, comment);
    payload.comment = { ...(example.comment as object), ...rendered };
    if (edited) payload.changes = { body: { from: comment.history.at(-2)?.body ?? comment.body } };
    shas = { head: comment.commitId, base: comment.baseSha };
    author = comment.user;
  } else {
    const review = state.reviews.find((r) => r.id === params.reviewId && r.pullNumber === pull.number);
    if (!review) throw new Error(`webhookPayload: no review ${params.reviewId} on #${pull.number}`);
    payload.review = { ...(example.review as object), ...renderReview(ctx, repo, review) };
    shas = { head: review.commitId, base: review.baseSha };
    author = review.user;
  }
  const rendered = renderPull(ctx, repo, pull, shas);
  const href = (url: string) => ({ href: url });
  payload.pull_request = {
    ...(example.pull_request as object),
    ...rendered,
    _links: {
      self: href(rendered.url),
      html: href(rendered.html_url),
      issue: href(rendered.issue_url),
      comments: href(rendered.comments_url),
      review_comments: href(rendered.review_comments_url),
      review_comment: href(rendered.review_comment_url),
      commits: href(rendered.commits_url),
      statuses: href(rendered.statuses_url),
    },
  };
  return params.sender ?? author;
}

function pickExample(event: Event, action: string): object {
  const definition = examples.find((d) => d.name === event);
  const found = (definition?.examples as Array<Record<string, unknown>> | undefined)?.find(
    (e) =>
      e.action === action &&
      !("organization" in e) &&
      !("changes" in e && action !== "edited") &&
      !(e.issue as { pull_request?: unknown } | undefined)?.pull_request,
  );
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${event}.${action} example on an issue`);
  return found;
}
