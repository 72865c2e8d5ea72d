/**
 * The cheap, pure part of deciding whether a webhook asks for the agent: event kind, who wrote it,
 * whether it mentions the handle. The Worker answers ignored deliveries at once with the reason
 * (visible in GitHub's delivery log); only accepted ones go on to the permission check and a session.
 */
import { z } from "zod";
import { type Mention, parseMention } from "../core/parse-mention.js";

/** The subset of the issue_comment payload this decision relies on. */
const IssueCommentPayload = z.object({
  action: z.string(),
  comment: z.object({
    body: z.string().nullable(),
    user: z.object({ login: z.string(), type: z.string() }).nullable(),
  }),
  sender: z.object({ login: z.string(), type: z.string() }),
  installation: z.object({ id: z.number() }).optional(),
});

export type Classification = { accepted: true; mention: Mention } | { accepted: false; reason: string };

export function classifyWebhook(name: string, payload: unknown, handle: string): Classification {
  if (name !== "issue_comment") return { accepted: false, reason: `event ${name} does not trigger` };
  const parsed = IssueCommentPayload.safeParse(payload);
  if (!parsed.success) return { accepted: false, reason: "payload is not an issue_comment event" };
  const p = parsed.data;
  if (p.action !== "created")
    return { accepted: false, reason: `comment ${p.action}, only new comments trigger` };
  if (p.sender.type === "Bot" || p.comment.user?.type === "Bot") {
    return { accepted: false, reason: "comments by bots never trigger" };
  }
  if (!p.installation) return { accepted: false, reason: "no installation in payload" };
  const mention = parseMention(p.comment.body ?? "", handle);
  if (!mention) return { accepted: false, reason: `comment does not mention @${handle}` };
  return { accepted: true, mention };
}
