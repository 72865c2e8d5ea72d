/**
 * Applies the state machine (src/core/session-transitions.ts) to the stored run: a legal move is
 * stored with its reason as a `session_status` event, in the same synchronous step as the row; an
 * illegal one is refused and logged, never applied.
 */
import { canTransition } from "../../src/core/session-transitions.js";
import type { SessionStatus } from "../../src/core/wire.js";
import type { SessionDeps } from "./session-deps.js";
import type { SessionRecord } from "./session-record.js";

/**
 * Moves the run to `to`, applying `change` to the row in the same write. Returns the new row, or
 * null when the move is not allowed from the current status, or `run` is given and is not the
 * current run (then nothing is written).
 */
export function transition(
  d: SessionDeps,
  to: SessionStatus,
  reason?: string,
  change?: (s: SessionRecord) => void,
  /** The run the caller is moving; a later run is never moved by a stale caller. */
  run?: number,
): SessionRecord | null {
  const s = d.store.getSession();
  if (!s) {
    d.log("refused a transition: no session", { to });
    return null;
  }
  if (run !== undefined && s.run !== run) {
    d.log("refused a transition of another run", { to, run, current: s.run });
    return null;
  }
  if (!canTransition(s.status, to)) {
    d.log("refused an illegal transition", { from: s.status, to, run: s.run, reason });
    return null;
  }
  s.status = to;
  change?.(s);
  d.store.putSession(s);
  const data = reason === undefined ? { status: to } : { status: to, reason };
  d.store.appendControlEvent(s.run, { type: "session_status", data }, new Date(d.now()).toISOString());
  return s;
}
