import { createRequire } from "node:module";
import type WebhookExamples from "@octokit/webhooks-examples";
import type { WebhookDefinition } from "@octokit/webhooks-examples";
import { ensureUser } from "./ensure-user.js";
import { findIssueOrPull } from "./find-issue-or-pull.js";
import { findRepo } from "./find-repo.js";
import { nodeId } from "./node-id.js";
import { renderComment } from "./render-comment.js";
import { renderIssue } from "./render-issue.js";
import { renderRepository } from "./render-repository.js";
import { renderUser } from "./render-user.js";
import type { StandInContext } from "./stand-in-context.js";

// The package's entry is a JSON file; require keeps this loadable by plain Node as well as tsx/vitest.
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples") as typeof WebhookExamples;

export type IssueCommentPayload = WebhookDefinition<"issue_comment">["examples"][number];
export type IssuesPayload = WebhookDefinition<"issues">["examples"][number];

/** The payload type of each kind, from the examples' own typings. */
export type WebhookPayloadMap = {
  "issue_comment.created": Extract<IssueCommentPayload, { action: "created" }>;
  "issue_comment.edited": Extract<IssueCommentPayload, { action: "edited" }>;
  "issue_comment.deleted": Extract<IssueCommentPayload, { action: "deleted" }>;
  "issues.opened": Extract<IssuesPayload, { action: "opened" }>;
};
export type WebhookPayloadKind = keyof WebhookPayloadMap;

export type WebhookPayloadParams = {
  owner: string;
  repo: string;
  issueNumber: number;
  /** Required for issue_comment kinds. */
  commentId?: number;
  /** Who acted; defaults to the comment's or issue's author. */
  sender?: string;
};

/**
 * A webhook payload that starts from a real example in @octokit/webhooks-examples (a user-owned
 * repository, no organization) and replaces repository, issue, comment, sender and installation
 * with the stand-in's objects; every other field of the example is kept. A comment on a pull
 * request gets `issue.pull_request`, as GitHub sends it.
 */
export function buildWebhookPayload<K extends WebhookPayloadKind>(
  ctx: StandInContext,
  kind: K,
  params: WebhookPayloadParams,
): WebhookPayloadMap[K] {
  const [event, action] = kind.split(".") as ["issue_comment" | "issues", string];
  const example = structuredClone(pickExample(event, action)) as Record<string, unknown>;
  const repo = findRepo(ctx.state, params.owner, params.repo);
  if (!repo) throw new Error(`webhookPayload: no repository ${params.owner}/${params.repo}`);
  const issue = findIssueOrPull(ctx.state, repo, params.issueNumber);
  if (!issue)
    throw new Error(`webhookPayload: no issue #${params.issueNumber} in ${repo.owner}/${repo.name}`);

  const renderedIssue: Record<string, unknown> = {
    ...(example.issue as object),
    ...renderIssue(ctx, repo, issue),
  };
  if (!("head" in issue)) delete renderedIssue.pull_request;
  delete renderedIssue.draft;
  let senderLogin = params.sender ?? issue.user;

  const payload: Record<string, unknown> = { ...example, issue: renderedIssue };
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

function pickExample(event: "issue_comment" | "issues", action: string): object {
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
