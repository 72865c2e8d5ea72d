/**
 * A label added to an issue (`issues.labeled`): when it is the trigger label (`understudy`, or the
 * config's `label`), the issue is the task and whoever added the label is the requester, vouching for
 * the description as it was at that moment.
 */
import { type AcceptDeps, acceptTrigger, type TriggerContext } from "./accept-trigger.js";
import { IssuesPayload } from "./webhook-schemas.js";

export async function onIssueLabeled(context: TriggerContext & { payload: unknown }, deps: AcceptDeps) {
  const parsed = IssuesPayload.safeParse(context.payload);
  if (!parsed.success || !parsed.data.installation || !parsed.data.label)
    return context.log.warn("not an issues.labeled payload");
  const { issue, label, repository, sender, installation } = parsed.data;
  await acceptTrigger(context, deps, {
    via: "label",
    installationId: installation.id,
    repository,
    thread: {
      number: issue.number,
      title: issue.title,
      body: issue.body ?? null,
      isPullRequest: false,
      ...(issue.comments !== undefined ? { comments: issue.comments } : {}),
    },
    author: sender,
    sender,
    asks: { label: label.name },
    source: { commentId: null, htmlUrl: issue.html_url },
    // The issue as it was when labelled: comments from before then.
    before: { commentId: null, at: issue.updated_at },
    react: { on: "issue", number: issue.number },
    replyTo: { kind: "conversation" },
  });
}
