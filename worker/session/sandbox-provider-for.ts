/**
 * The sandbox provider SANDBOX_PROVIDER names (validated in config.ts): the sandbox host, here or
 * elsewhere, or Cloudflare's containers through the Sandbox SDK's binding.
 */
import {
  cloudflareProvider,
  type SandboxNamespace,
} from "../../src/sandbox/providers/cloudflare-provider.js";
import { hostProvider } from "../../src/sandbox/providers/host-provider.js";
import type { SandboxProvider } from "../../src/sandbox/providers/sandbox-provider.js";
import type { Config } from "../config.js";
import type { Env } from "../env.js";

export function sandboxProviderFor(env: Env, config: Config): SandboxProvider {
  if (config.SANDBOX_PROVIDER === "cloudflare") {
    return cloudflareProvider({
      // Present: config.ts refuses `cloudflare` without the binding.
      namespace: env.SANDBOX as SandboxNamespace<DurableObjectId>,
      secrets: config,
      isolation: config.SANDBOX_ISOLATION,
    });
  }
  return hostProvider({
    hostUrl: config.SANDBOX_HOST_URL,
    // Present: config.ts requires it for the host's providers.
    secret: config.SANDBOX_HOST_SECRET ?? "",
    where: config.SANDBOX_PROVIDER,
  });
}
