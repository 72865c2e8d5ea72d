/**
 * A new review comment on a pull request's diff (`pull_request_review_comment.created`). The answer
 * goes into its review thread; the file and the diff hunk it is on are context; the head is the one
 * the payload delivered, the pull request as it was when the comment was written.
 */
import { type AcceptDeps, acceptTrigger, type TriggerContext } from "./accept-trigger.js";
import { pinnedFrom } from "./pin-pull.js";
import { ReviewCommentPayload } from "./webhook-schemas.js";

export async function onReviewComment(context: TriggerContext & { payload: unknown }, deps: AcceptDeps) {
  const parsed = ReviewCommentPayload.safeParse(context.payload);
  if (!parsed.success || !parsed.data.installation)
    return context.log.warn("not a pull_request_review_comment payload");
  const { comment, pull_request: pr, repository, sender, installation } = parsed.data;
  await acceptTrigger(context, deps, {
    via: "review comment",
    installationId: installation.id,
    repository,
    thread: { number: pr.number, title: pr.title, body: pr.body ?? null, isPullRequest: true },
    author: comment.user ?? sender,
    sender,
    asks: { text: comment.body },
    source: { commentId: comment.id, htmlUrl: comment.html_url },
    before: { commentId: null, at: comment.created_at },
    react: { on: "review_comment", commentId: comment.id },
    // GitHub takes replies to a thread's first comment only ("replies to replies are not supported").
    replyTo: { kind: "review_thread", commentId: comment.in_reply_to_id ?? comment.id },
    review: { path: comment.path, line: comment.line ?? null, hunk: comment.diff_hunk },
    pull: {
      pinned: pinnedFrom(pr, repository.full_name),
      ...(pr.changed_files !== undefined ? { changedFiles: pr.changed_files } : {}),
    },
  });
}
