/**
 * The session's pull request: opened once, by the first run that pushed commits, then linked to the
 * session so that a comment on it continues this session (same branch, same PR) instead of starting
 * another. Later runs push to the same branch, which updates the PR; it is never opened twice.
 */
import { openPullRequest } from "../../src/github/open-pull-request.js";
import { pullRequestText } from "../../src/github/pull-request-text.js";
import { pullRequestTemplate } from "./pull-request-template.js";
import type { SessionDeps } from "./session-deps.js";
import type { SessionRecord } from "./session-record.js";
import { transcriptUrl } from "./transcript-url.js";
import { updateSession } from "./update-session.js";

export async function openRunPullRequest(
  d: SessionDeps,
  s: SessionRecord,
  summary: string | null,
  draft: boolean,
): Promise<NonNullable<SessionRecord["pr"]>> {
  const gh = await d.github(s.request.installationId);
  // A template is context for the body: GitHub failing to say is not worth failing the run over.
  const template = await pullRequestTemplate(d, s).catch((error: unknown) => {
    d.log("could not read the pull-request template; opening the PR without it", { error: String(error) });
    return null;
  });
  const text = pullRequestText({
    template,
    summary,
    fallbackTitle: s.request.issue.title,
    issueNumber: s.request.issue.number,
    isPullRequest: s.request.issue.isPullRequest,
    requester: s.request.requester.login,
    triggerUrl: s.request.trigger.htmlUrl,
    transcriptUrl: await transcriptUrl(d, s.publicUrl),
  });
  const opened = await openPullRequest(gh, {
    owner: s.request.repo.owner,
    repo: s.request.repo.name,
    head: s.branch,
    base: s.baseBranch,
    title: text.title,
    body: text.body,
    draft,
  });
  const pr = { number: opened.number, url: opened.url };
  // Stored before anything else can fail: a retry finds the PR and never opens a second one.
  updateSession(d, (x) => {
    x.pr = pr;
  });
  d.store.appendControlEvent(
    s.run,
    { type: "artifact", data: { kind: "pr", url: opened.url, number: opened.number } },
    new Date(d.now()).toISOString(),
  );
  return pr;
}

/** Routes comments on the session's pull request to this session. Idempotent; throws to be retried. */
export async function linkPullRequest(d: SessionDeps): Promise<void> {
  const s = d.store.getSession();
  if (!s?.pr || s.prLinked || !s.sessionKey) return;
  await d.linkThread(`${s.request.repo.id}#${s.pr.number}`, s.sessionKey);
  updateSession(d, (x) => {
    x.prLinked = true;
  });
}
