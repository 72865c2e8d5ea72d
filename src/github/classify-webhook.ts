/**
 * The cheap, pure part of deciding whether a webhook asks for the agent: event kind, who wrote it,
 * whether it mentions the handle. The Worker answers ignored deliveries at once with the reason
 * (visible in GitHub's delivery log); only accepted ones go on to the session's Durable Object.
 */
import { z } from "zod";
import { type Mention, parseMention } from "../core/parse-mention.js";

const Account = z.object({ login: z.string(), id: z.number().int(), type: z.string() });

/**
 * The subset of the issue_comment payload that this decision and the app's handler rely on: a
 * delivery of another shape is answered as ignored here, never accepted and then failed later.
 */
const IssueCommentPayload = z.object({
  action: z.string(),
  comment: z.object({
    id: z.number().int().positive(),
    body: z.string().nullable(),
    html_url: z.string(),
    user: Account.nullable(),
  }),
  issue: z.object({
    number: z.number().int().positive(),
    title: z.string(),
    body: z.string().nullable().optional(),
  }),
  repository: z.object({
    id: z.number().int(),
    name: z.string(),
    full_name: z.string(),
    owner: Account,
    clone_url: z.string().url(),
    html_url: z.string().url(),
    default_branch: z.string().min(1),
  }),
  sender: Account,
  installation: z.object({ id: z.number().int().positive() }).optional(),
});

/**
 * What a trigger is, independent of the delivery that carried it: GitHub may deliver one comment
 * several times (redeliveries, replays with a new delivery id), and it must start at most one run.
 */
export type Trigger = {
  /** `comment:<id>`: unique on GitHub, so unique per session too. */
  key: string;
  /** The session (issue or pull request) it belongs to: `<repository id>#<number>`. */
  sessionKey: string;
};

export type Classification =
  | { accepted: true; mention: Mention; trigger: Trigger }
  | { accepted: false; reason: string };

export function classifyWebhook(name: string, payload: unknown, handle: string): Classification {
  if (name !== "issue_comment") return { accepted: false, reason: `event ${name} does not trigger` };
  const parsed = IssueCommentPayload.safeParse(payload);
  if (!parsed.success) return { accepted: false, reason: "payload is not an issue_comment event" };
  const p = parsed.data;
  if (p.action !== "created")
    return { accepted: false, reason: `comment ${p.action}, only new comments trigger` };
  // Judged by the account's type, never by a `[bot]` suffix a human could choose as a login.
  if (p.sender.type === "Bot" || p.comment.user?.type === "Bot") {
    return { accepted: false, reason: "comments by bots never trigger" };
  }
  if (!p.installation) return { accepted: false, reason: "no installation in payload" };
  const mention = parseMention(p.comment.body ?? "", handle);
  if (!mention) return { accepted: false, reason: `comment does not mention @${handle}` };
  return {
    accepted: true,
    mention,
    trigger: { key: `comment:${p.comment.id}`, sessionKey: `${p.repository.id}#${p.issue.number}` },
  };
}
