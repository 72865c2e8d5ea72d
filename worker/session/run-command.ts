/**
 * `@understudy stop | status | retry` from a comment: the session operations, answered in the thread
 * where they were asked whenever the status comment would not already say it.
 */
import type { StartSessionRequest } from "../../src/core/start-session-request.js";
import type { SessionCommand } from "../../src/github/app.js";
import { reply } from "./reply.js";
import { retryRequest } from "./retry-request.js";
import type { SessionDeps } from "./session-deps.js";
import { sessionStatus, statusReplyText } from "./session-status.js";
import { stopSession } from "./stop-session.js";

export async function runCommand(
  d: SessionDeps,
  command: SessionCommand,
  req: StartSessionRequest,
  publicUrl: string,
): Promise<void> {
  const who = req.requester.login;
  // A redelivered command was already carried out. Marked in the same synchronous step as the
  // command's first write (the stop, or the retry's stored request), so a reset never splits them.
  if (!d.store.noticeOnce(`command:${req.deliveryId}`, d.now())) return;
  if (command === "status") {
    await reply(d, req, statusReplyText(sessionStatus(d), who));
  } else if (command === "stop") {
    const r = await stopSession(d, who);
    if (r.outcome === "idle")
      await reply(d, req, `@${who} Nothing is running here, so there is nothing to stop.`);
    else if (r.outcome === "finishing")
      await reply(
        d,
        req,
        `@${who} The agent has already finished; I am pushing its work and opening the pull request, which cannot be stopped now.`,
      );
  } else {
    const r = await retryRequest(d, req, publicUrl);
    if (r.outcome === "nothing_to_retry")
      await reply(d, req, `@${who} There is no earlier request here to retry.`);
  }
}
