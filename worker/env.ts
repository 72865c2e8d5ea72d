import type { SessionDO } from "./session/session-do.js";

/** Bindings of the Worker (wrangler.toml vars, secrets and the Durable Object namespace). */
export interface Env {
  SESSIONS: DurableObjectNamespace<SessionDO>;
  [key: string]: unknown;
}
