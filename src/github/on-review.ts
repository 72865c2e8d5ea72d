/**
 * A submitted review whose summary calls the bot (`pull_request_review.submitted`). Review bodies
 * have no reactions endpoint on GitHub, so there is no 👀: the status comment acknowledges it.
 */
import { type AcceptDeps, acceptTrigger, type TriggerContext } from "./accept-trigger.js";
import { pinnedFrom } from "./pin-pull.js";
import { ReviewPayload } from "./webhook-schemas.js";

export async function onReview(context: TriggerContext & { payload: unknown }, deps: AcceptDeps) {
  const parsed = ReviewPayload.safeParse(context.payload);
  if (!parsed.success || !parsed.data.installation)
    return context.log.warn("not a pull_request_review payload");
  const { review, pull_request: pr, repository, sender, installation } = parsed.data;
  await acceptTrigger(context, deps, {
    via: "review",
    installationId: installation.id,
    repository,
    thread: { number: pr.number, title: pr.title, body: pr.body ?? null, isPullRequest: true },
    author: review.user ?? sender,
    sender,
    asks: { text: review.body ?? "" },
    source: { commentId: null, htmlUrl: review.html_url },
    before: { commentId: null, at: review.submitted_at ?? null },
    react: { on: "none" },
    replyTo: { kind: "conversation" },
    pull: {
      pinned: pinnedFrom(pr, repository.full_name),
      ...(pr.changed_files !== undefined ? { changedFiles: pr.changed_files } : {}),
    },
  });
}
