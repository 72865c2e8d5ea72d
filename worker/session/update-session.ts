import type { SessionDeps } from "./session-deps.js";
import type { SessionRecord } from "./session-record.js";

/**
 * Read-modify-write of the session row with no await in between, so a change made while another
 * handler was waiting on the network is never overwritten with a stale copy.
 */
export function updateSession(d: SessionDeps, change: (s: SessionRecord) => void): SessionRecord {
  const s = d.store.getSession();
  if (!s) throw new Error("session row missing");
  change(s);
  d.store.putSession(s);
  return s;
}
