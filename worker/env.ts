import type { DeliveryLedger } from "./delivery-ledger.js";
import type { SandboxBreaker } from "./sandbox-breaker.js";
import type { SessionDO } from "./session/session-do.js";
import type { SessionLinks } from "./session-links.js";

/** Bindings of the Worker (wrangler.toml vars, secrets and the Durable Object namespaces). */
export interface Env {
  SESSIONS: DurableObjectNamespace<SessionDO>;
  DELIVERIES: DurableObjectNamespace<DeliveryLedger>;
  LINKS: DurableObjectNamespace<SessionLinks>;
  BREAKERS: DurableObjectNamespace<SandboxBreaker>;
  [key: string]: unknown;
}
