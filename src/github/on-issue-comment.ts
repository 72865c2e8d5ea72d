/** A new comment on an issue or in a pull request's conversation (`issue_comment.created`). */
import { type AcceptDeps, acceptTrigger, type TriggerContext } from "./accept-trigger.js";
import { IssueCommentPayload } from "./webhook-schemas.js";

export async function onIssueComment(context: TriggerContext & { payload: unknown }, deps: AcceptDeps) {
  const parsed = IssueCommentPayload.safeParse(context.payload);
  if (!parsed.success || !parsed.data.installation) return context.log.warn("not an issue_comment payload");
  const { comment, issue, repository, sender, installation } = parsed.data;
  await acceptTrigger(context, deps, {
    via: "comment",
    installationId: installation.id,
    repository,
    thread: {
      number: issue.number,
      title: issue.title,
      body: issue.body ?? null,
      isPullRequest: Boolean(issue.pull_request),
      ...(issue.comments !== undefined ? { comments: issue.comments } : {}),
    },
    author: comment.user ?? sender,
    sender,
    asks: { text: comment.body ?? "" },
    source: { commentId: comment.id, htmlUrl: comment.html_url },
    // Comment ids grow with time, so "before" is "a smaller id" even without a timestamp.
    before: { commentId: comment.id, at: comment.created_at ?? null },
    react: { on: "issue_comment", commentId: comment.id },
    replyTo: { kind: "conversation" },
  });
}
