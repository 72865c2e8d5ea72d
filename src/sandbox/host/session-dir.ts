/**
 * Where the sandbox host keeps a session's directory between its runs: `<root>/sessions/<key>/`,
 * with `home/` (the agent's HOME in each run of the session here) and what the bridge writes beside
 * it (open-session-home.ts). The key is a hash of the session id, so no id, whatever its shape,
 * makes a path.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";

/** The directory under the sandbox root that holds every session's directory. */
export const SESSIONS_DIR = "sessions";

/** A session's key: hex, and the same for the same id on every host. */
export function sessionKey(sessionId: string): string {
  return createHash("sha256").update(sessionId).digest("hex").slice(0, 32);
}

export function sessionDirOf(root: string, sessionId: string): string {
  return join(root, SESSIONS_DIR, sessionKey(sessionId));
}
