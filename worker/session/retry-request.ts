/**
 * Retry: the session's last request again, on the same branch, as a new run (queued if one is going).
 * The new request is the asker's, carried by the delivery that asked for the retry, so a redelivery
 * of that comment does not retry twice.
 */
import type { StartSessionRequest } from "../../src/core/start-session-request.js";
import { type AcceptOutcome, acceptRequest } from "./accept-request.js";
import type { SessionDeps } from "./session-deps.js";

export type RetryOutcome = AcceptOutcome | { outcome: "nothing_to_retry" };

export async function retryRequest(
  d: SessionDeps,
  asked: Pick<StartSessionRequest, "deliveryId" | "requester" | "trigger" | "issue" | "replyTo" | "pull">,
  publicUrl: string,
): Promise<RetryOutcome> {
  const previous = d.store
    .recentRequests(50)
    .reverse()
    // The last request that actually ran: a queued one, or one a stop cancelled before it ran, is not it.
    .find((r) => r.run !== null);
  if (!previous) return { outcome: "nothing_to_retry" };
  return acceptRequest(
    d,
    {
      ...previous.request,
      deliveryId: asked.deliveryId,
      requester: asked.requester,
      trigger: asked.trigger,
      // Answered where the retry was asked, from the head as it is now.
      issue: asked.issue,
      replyTo: asked.replyTo,
      pull: asked.pull,
      // No flag was written in the retry: a flag of the earlier request is not answered again.
      flagged: undefined,
    },
    publicUrl,
  );
}
