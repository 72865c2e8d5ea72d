/**
 * The Worker's cheap, pure decision on a delivery: which event and action, whose, and whether its
 * text calls anyone. Ignored deliveries are answered at once with the reason (visible in GitHub's
 * delivery log); only the rest go on to the session's Durable Object, which decides for good.
 *
 * What the Worker cannot know stays in the session, where the repository's config is read:
 * - the handle: `handle:` in the config may rename the bot, so any call shape passes (`@someone`,
 *   `/something` at a line start), not only `@APP_SLUG`;
 * - the label: `label:` may rename it, so every `issues.labeled` passes;
 * - bots: `allowed_bots:` may let some in, so a bot's call passes too. Only the App's own events
 *   (`<APP_SLUG>[bot]`, by account type) stop here, which is what keeps it from answering itself;
 *   the session checks again against the slug GitHub reports.
 */
import { callsSomeone } from "../core/parse-mention.js";
import {
  type Account,
  IssueCommentPayload,
  IssuesPayload,
  ReviewCommentPayload,
  ReviewPayload,
} from "./webhook-schemas.js";

/**
 * What a trigger is, independent of the delivery that carried it: GitHub may deliver one comment
 * several times (redeliveries, replays with a new delivery id), and it must start at most one run.
 */
export type Trigger = {
  /** Unique per thing that asked: `comment:<id>`, `review_comment:<id>`, `review:<id>`, `opened:<issue id>`, `labeled:…`. */
  key: string;
  /** The session (issue or pull request) it belongs to: `<repository id>#<number>`. */
  sessionKey: string;
  /**
   * Asked on a pull request: it may be the pull request a session opened, which the Worker routes to
   * that session. An issue never needs that lookup.
   */
  onPullRequest: boolean;
};

export type Classification = { accepted: true; trigger: Trigger } | { accepted: false; reason: string };

export function classifyWebhook(name: string, payload: unknown, appSlug: string): Classification {
  switch (name) {
    case "issue_comment":
      return classifyIssueComment(payload, appSlug);
    case "issues":
      return classifyIssues(payload, appSlug);
    case "pull_request_review_comment":
      return classifyReviewComment(payload, appSlug);
    case "pull_request_review":
      return classifyReview(payload, appSlug);
    default:
      return ignored(`event ${name} does not trigger`);
  }
}

const ignored = (reason: string): Classification => ({ accepted: false, reason });
const accepted = (key: string, repoId: number, number: number, onPullRequest: boolean): Classification => ({
  accepted: true,
  trigger: { key, sessionKey: `${repoId}#${number}`, onPullRequest },
});

/** Judged by the account's type, never by a `[bot]` suffix a person could choose as a login. */
const isAppItself = (accounts: ReadonlyArray<Account | null | undefined>, appSlug: string) =>
  accounts.some((a) => a?.type === "Bot" && a.login.toLowerCase() === `${appSlug}[bot]`.toLowerCase());

function classifyIssueComment(payload: unknown, appSlug: string): Classification {
  const parsed = IssueCommentPayload.safeParse(payload);
  if (!parsed.success) return ignored("payload is not an issue_comment event");
  const p = parsed.data;
  if (p.action !== "created") return ignored(`comment ${p.action}, only new comments trigger`);
  if (!p.installation) return ignored("no installation in payload");
  if (isAppItself([p.sender, p.comment.user], appSlug))
    return ignored("the App's own comments never trigger");
  if (!callsSomeone(p.comment.body ?? "")) return ignored(`comment does not mention @${appSlug}`);
  return accepted(`comment:${p.comment.id}`, p.repository.id, p.issue.number, Boolean(p.issue.pull_request));
}

function classifyIssues(payload: unknown, appSlug: string): Classification {
  const parsed = IssuesPayload.safeParse(payload);
  if (!parsed.success) return ignored("payload is not an issues event");
  const p = parsed.data;
  if (p.action !== "opened" && p.action !== "labeled")
    return ignored(`issue ${p.action}: only a new issue or an added label triggers`);
  if (!p.installation) return ignored("no installation in payload");
  if (isAppItself([p.sender, p.issue.user], appSlug)) return ignored("the App's own issues never trigger");
  if (p.action === "opened") {
    if (!callsSomeone(p.issue.body ?? "")) return ignored(`issue does not mention @${appSlug}`);
    return accepted(`opened:${p.issue.id}`, p.repository.id, p.issue.number, false);
  }
  if (!p.label) return ignored("labeled event without a label");
  // A label can be removed and added again, which asks again; a redelivery or a replay of one
  // addition carries the same issue update time, so it does not.
  return accepted(
    `labeled:${p.issue.id}:${p.label.id}:${p.issue.updated_at}`,
    p.repository.id,
    p.issue.number,
    false,
  );
}

function classifyReviewComment(payload: unknown, appSlug: string): Classification {
  const parsed = ReviewCommentPayload.safeParse(payload);
  if (!parsed.success) return ignored("payload is not a pull_request_review_comment event");
  const p = parsed.data;
  if (p.action !== "created") return ignored(`review comment ${p.action}, only new comments trigger`);
  if (!p.installation) return ignored("no installation in payload");
  if (isAppItself([p.sender, p.comment.user], appSlug))
    return ignored("the App's own comments never trigger");
  if (!callsSomeone(p.comment.body)) return ignored(`review comment does not mention @${appSlug}`);
  return accepted(`review_comment:${p.comment.id}`, p.repository.id, p.pull_request.number, true);
}

function classifyReview(payload: unknown, appSlug: string): Classification {
  const parsed = ReviewPayload.safeParse(payload);
  if (!parsed.success) return ignored("payload is not a pull_request_review event");
  const p = parsed.data;
  if (p.action !== "submitted") return ignored(`review ${p.action}, only a submitted review triggers`);
  if (!p.installation) return ignored("no installation in payload");
  if (isAppItself([p.sender, p.review.user], appSlug)) return ignored("the App's own reviews never trigger");
  if (!callsSomeone(p.review.body ?? "")) return ignored(`review does not mention @${appSlug}`);
  return accepted(`review:${p.review.id}`, p.repository.id, p.pull_request.number, true);
}
