/**
 * What the GitHub app hands the SessionDO when a trigger is accepted (Worker → DO RPC). Everything
 * the session needs later is copied here, so the DO never re-reads the webhook.
 */
import { z } from "zod";

export const StartSessionRequest = z.object({
  deliveryId: z.string().min(1),
  installationId: z.number().int().positive(),
  repo: z.object({
    id: z.number().int(),
    owner: z.string(),
    name: z.string(),
    cloneUrl: z.string().url(),
    htmlUrl: z.string().url(),
    defaultBranch: z.string(),
  }),
  issue: z.object({ number: z.number().int().positive(), title: z.string(), isPullRequest: z.boolean() }),
  /** The comment that asked; null for a request made through the REST API. */
  trigger: z.object({ commentId: z.number().int().positive().nullable(), htmlUrl: z.string() }),
  requester: z.object({ login: z.string(), id: z.number().int() }),
  /** The instruction, as the requester wrote it after the mention. */
  task: z.string().min(1),
  /** The full prompt given to the agent: task plus issue context, hidden content stripped. */
  prompt: z.string().min(1),
});
export type StartSessionRequest = z.infer<typeof StartSessionRequest>;

/** One session per issue or pull request: follow-ups land in the same Durable Object. */
export const sessionKey = (r: Pick<StartSessionRequest, "repo" | "issue">): string =>
  `${r.repo.id}#${r.issue.number}`;
