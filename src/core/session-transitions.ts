/**
 * The run's state machine: which status may follow which. Pure, so the rule is in one place and is
 * tested on its own; the SessionDO applies it (worker/session/transition.ts) and refuses the rest.
 *
 *   queued → provisioning → running → finishing → completed | failed | cancelled
 *
 * Any live state may fail or be cancelled (a stop, a lost sandbox, a time limit). A sandbox can end
 * before its agent started (a checkout that fails): provisioning → finishing. A terminal run may be
 * followed by the next run of the session, which starts again at queued. `finishing` is not
 * cancellable: the agent is done and its work is being pushed and proposed; stopping it would only
 * lose the pull request.
 */
import type { SessionStatus } from "./wire.js";

const LIVE_EXITS: readonly SessionStatus[] = ["failed", "cancelled"];

export const ALLOWED_TRANSITIONS: Readonly<Record<SessionStatus, readonly SessionStatus[]>> = {
  queued: ["provisioning", ...LIVE_EXITS],
  provisioning: ["running", "finishing", ...LIVE_EXITS],
  running: ["finishing", ...LIVE_EXITS],
  finishing: ["completed", "failed"],
  completed: ["queued"],
  failed: ["queued"],
  cancelled: ["queued"],
};

export function canTransition(from: SessionStatus, to: SessionStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

/** States from which a stop does something: the run has not reached the point of no return. */
export const isStoppable = (s: SessionStatus): boolean => canTransition(s, "cancelled");
