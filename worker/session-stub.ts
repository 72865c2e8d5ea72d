/**
 * Sessions named in URLs (transcript links, the bridge's endpoints, the REST API) by their Durable
 * Object id: 64 hex digits. Anything else, or 64 hex digits that are not an id of this namespace, is
 * no session.
 */
import { verifyLink } from "../src/core/sign-link.js";
import { linkSecret, parseConfig } from "./config.js";
import type { Env } from "./env.js";

const SESSION_ID = /^[0-9a-f]{64}$/;

/** The session's Durable Object, or null for a string that is not one of this namespace's ids. */
export function sessionStub(env: Env, id: string) {
  if (!SESSION_ID.test(id)) return null;
  try {
    return env.SESSIONS.get(env.SESSIONS.idFromString(id));
  } catch {
    return null;
  }
}

/** Whether `token` is the transcript capability of session `id` (the link is the capability). */
export async function isTranscriptCapability(env: Env, id: string, token: string): Promise<boolean> {
  return SESSION_ID.test(id) && verifyLink(linkSecret(parseConfig(env)), "transcript", id, token);
}
