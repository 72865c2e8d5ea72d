/**
 * The cheap, pure part of deciding whether a webhook asks for the agent: event kind, who wrote it,
 * whether it mentions the handle. The Worker answers ignored deliveries at once with the reason
 * (visible in GitHub's delivery log); only accepted ones go on to the session's Durable Object.
 */
import { z } from "zod";
import { type Mention, parseMention } from "../core/parse-mention.js";

/** The subset of the issue_comment payload this decision relies on. */
const IssueCommentPayload = z.object({
  action: z.string(),
  comment: z.object({
    id: z.number().int().positive(),
    body: z.string().nullable(),
    user: z.object({ login: z.string(), type: z.string() }).nullable(),
  }),
  issue: z.object({ number: z.number().int().positive() }),
  repository: z.object({ id: z.number().int() }),
  sender: z.object({ login: z.string(), type: z.string() }),
  installation: z.object({ id: z.number() }).optional(),
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
