/**
 * A request for the agent, accepted (write access checked, 👀 given) from a comment or the REST API.
 * While a run is going it waits in the session's queue and runs next, in order, on the same branch;
 * past MAX_QUEUE it is answered and not stored. Idempotent per delivery id.
 */
import type { StartSessionRequest } from "../../src/core/start-session-request.js";
import { isTerminal } from "../../src/core/wire.js";
import { requestCommentEdit } from "./comment.js";
import { startNextRun } from "./lifecycle.js";
import { reply } from "./reply.js";
import type { SessionDeps } from "./session-deps.js";

/** Requests that may wait behind a running one; more than this is a sign of a loop or a mistake. */
export const MAX_QUEUE = 10;

export type AcceptOutcome =
  | { outcome: "started"; requestId: number }
  | { outcome: "queued"; requestId: number; position: number }
  | { outcome: "duplicate" }
  | { outcome: "queue_full" }
  | { outcome: "refused_fork" };

export async function acceptRequest(
  d: SessionDeps,
  req: StartSessionRequest,
  publicUrl: string,
): Promise<AcceptOutcome> {
  const s = d.store.getSession();
  if (d.store.hasRequest(req.deliveryId)) return { outcome: "duplicate" };
  if (req.pull?.isFork) {
    // A fork's head is someone else's code: the agent would run its project settings and hooks next
    // to the model key, and its commits would land on a branch of this repository where CI runs
    // with secrets. Until the sandbox can hold it (no key in reach, no project hooks), say so.
    if (d.store.noticeOnce(`fork:${req.issue.number}`, d.now()))
      await reply(
        d,
        req,
        `@${req.requester.login} This pull request comes from a fork. I never push to forks, and I do not run a fork's code in my sandbox yet, so I have not started. A maintainer can ask me on an issue, or check the branch out into this repository first.`,
      );
    return { outcome: "refused_fork" };
  }
  if (s && !isTerminal(s.status)) {
    const waiting = d.store.queuedRequests().length;
    if (waiting >= MAX_QUEUE) {
      await reply(
        d,
        req,
        `@${req.requester.login} ${MAX_QUEUE} requests are already waiting for the current run here, so I have not queued this one. Ask again once some have run, or stop the run to clear the queue.`,
      );
      return { outcome: "queue_full" };
    }
    const requestId = d.store.addRequest(req, "queued", d.now());
    if (requestId === null) return { outcome: "duplicate" };
    // The status comment and the live transcript list the queue and who asked.
    d.store.sessionChanged();
    await requestCommentEdit(d);
    return { outcome: "queued", requestId, position: waiting + 1 };
  }
  // Idle: stored like any request, then the oldest waiting one starts (this one, unless an older
  // request is still waiting for the previous run's final comment).
  const requestId = d.store.addRequest(req, "queued", d.now());
  if (requestId === null) return { outcome: "duplicate" };
  await startNextRun(d, publicUrl);
  if (d.store.getSession()?.requestId === requestId) return { outcome: "started", requestId };
  await requestCommentEdit(d);
  return {
    outcome: "queued",
    requestId,
    position: d.store.queuedRequests().findIndex((r) => r.id === requestId) + 1,
  };
}
