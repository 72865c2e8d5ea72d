/**
 * Stop: ends the current run and clears the queue. The bridge is asked to stop its agent (the whole
 * process tree), commit and push what the agent changed so far; the run then ends `cancelled` and its
 * comment says who stopped it and where the partial work is. A bridge that does not finish within
 * STOP_GRACE_MS (or a run with no bridge yet) is ended at once, and its sandbox stopped.
 */
import { isStoppable } from "../../src/core/session-transitions.js";
import { requestCommentEdit } from "./comment.js";
import { cancelRun } from "./lifecycle.js";
import type { SessionDeps } from "./session-deps.js";
import { setTimer } from "./timers.js";
import { updateSession } from "./update-session.js";

export type StopOutcome =
  | { outcome: "stopping" | "stopped"; run: number; queueCleared: number }
  | { outcome: "idle" }
  | { outcome: "finishing"; run: number };

export async function stopSession(d: SessionDeps, by: string): Promise<StopOutcome> {
  const s = d.store.getSession();
  if (!s) return { outcome: "idle" };
  if (s.status === "finishing") return { outcome: "finishing", run: s.run };
  if (!isStoppable(s.status)) return { outcome: "idle" };
  if (s.stoppedBy !== null) return { outcome: "stopping", run: s.run, queueCleared: s.queueCleared };
  const queueCleared = d.store.cancelQueued();
  updateSession(d, (x) => {
    x.stoppedBy = by;
    x.queueCleared = queueCleared;
  });
  d.log("stop requested", { by, run: s.run, status: s.status, queueCleared });
  d.store.sessionChanged();
  // A bridge that has connected saves the agent's work first; one between sockets hears the stop
  // when it says hello again. Without a bridge there is nothing to wait for.
  if (s.sandboxConnectedAt !== null) {
    d.toSandbox(s.run, { type: "stop", reason: `by @${by}` });
    await setTimer(d, "stop", d.now() + d.config.STOP_GRACE_MS);
    await requestCommentEdit(d);
    return { outcome: "stopping", run: s.run, queueCleared };
  }
  await cancelRun(d, null);
  return { outcome: "stopped", run: s.run, queueCleared };
}
