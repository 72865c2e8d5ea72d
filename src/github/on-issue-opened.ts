/** A new issue whose description calls the bot (`issues.opened`): the description is the request. */
import { type AcceptDeps, acceptTrigger, type TriggerContext } from "./accept-trigger.js";
import { IssuesPayload } from "./webhook-schemas.js";

export async function onIssueOpened(context: TriggerContext & { payload: unknown }, deps: AcceptDeps) {
  const parsed = IssuesPayload.safeParse(context.payload);
  if (!parsed.success || !parsed.data.installation) return context.log.warn("not an issues payload");
  const { issue, repository, sender, installation } = parsed.data;
  await acceptTrigger(context, deps, {
    via: "issue",
    installationId: installation.id,
    repository,
    thread: { number: issue.number, title: issue.title, body: issue.body ?? null, isPullRequest: false },
    author: issue.user ?? sender,
    sender,
    asks: { text: issue.body ?? "" },
    // An issue opened with the trigger label also gets `issues.labeled`; that delivery runs it, once.
    ...(issue.labels?.length ? { openedWithLabels: issue.labels.map((l) => l.name) } : {}),
    source: { commentId: null, htmlUrl: issue.html_url },
    // A new issue has no earlier comments.
    before: null,
    react: { on: "issue", number: issue.number },
    replyTo: { kind: "conversation" },
  });
}
