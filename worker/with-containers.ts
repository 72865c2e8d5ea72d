/**
 * The Worker with Cloudflare's containers: everything worker/index.ts exports, plus the Sandbox SDK's
 * Durable Object class, which the `SANDBOX` binding and the `[[containers]]` section of wrangler.toml
 * name. wrangler.toml's `main` points here when SANDBOX_PROVIDER is `cloudflare` (see its comments);
 * the default entry stays without the SDK, so a Worker that does not use containers does not load it.
 */
import type { Sandbox } from "@cloudflare/sandbox";
import type { SandboxNamespace } from "../src/sandbox/providers/cloudflare-provider.js";

export { Sandbox } from "@cloudflare/sandbox";
export * from "./index.js";
export { default } from "./index.js";

/**
 * Checked by the compiler, never called: the SDK's binding gives the provider what it calls
 * (cloudflare-provider.ts's SandboxNamespace), so an SDK upgrade that changes a method fails `npm run check`.
 */
function sandboxBindingFits(ns: DurableObjectNamespace<Sandbox>): SandboxNamespace<DurableObjectId> {
  return ns;
}
void sandboxBindingFits;
