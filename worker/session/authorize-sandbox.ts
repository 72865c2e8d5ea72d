import { sha256Hex, timingSafeEqualText } from "../../src/core/sign-link.js";
import type { SessionDeps } from "./session-deps.js";
import type { SessionRecord } from "./session-record.js";

/**
 * The sandbox proves itself with the random token it was spawned with. Only its hash is stored, it
 * expires, and it is cleared when the run ends.
 */
export async function authorizeSandbox(d: SessionDeps, request: Request): Promise<SessionRecord | null> {
  const header = request.headers.get("authorization") ?? "";
  const token = header.startsWith("Bearer ") ? header.slice(7) : "";
  const s = d.store.getSession();
  if (!token || !s?.tokenHash || s.tokenExpiresAt === null || s.tokenExpiresAt < d.now()) return null;
  return (await timingSafeEqualText(await sha256Hex(token), s.tokenHash)) ? s : null;
}
