/**
 * A short answer in the thread where someone asked (a full queue, nothing to stop, a status). Never
 * rejects: an answer GitHub refuses is logged, and the operation it answers has already happened.
 */
import type { StartSessionRequest } from "../../src/core/start-session-request.js";
import { placeOf, postReply } from "../../src/github/post-reply.js";
import type { SessionDeps } from "./session-deps.js";

/** Where an answer goes: a request, or a trigger that never became one (worker/session/inbox.ts). */
export type ReplyTarget = Pick<StartSessionRequest, "installationId" | "replyTo"> & {
  repo: Pick<StartSessionRequest["repo"], "owner" | "name">;
  issue: Pick<StartSessionRequest["issue"], "number">;
};

export async function reply(d: SessionDeps, to: ReplyTarget, body: string): Promise<void> {
  try {
    await postReply(await d.github(to.installationId), placeOf(to), body);
  } catch (error) {
    d.log("could not post a reply", { issue: to.issue.number, error: String(error) });
  }
}
