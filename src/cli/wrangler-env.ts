import { mkdirSync } from "node:fs";
import path from "node:path";

/**
 * Keeps wrangler offline and out of the user's home: no metrics, no Cloudflare look-ups, config and
 * logs under the project. Must run before wrangler is imported.
 */
export function isolateWrangler(projectRoot: string): void {
  process.env.WRANGLER_SEND_METRICS = "false";
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
  // The control plane is started with watch off; wrangler still watches wrangler.toml unless told
  // not to, and a reload drops every request in flight ("Your worker restarted mid-request").
  process.env.WRANGLER_CI_DISABLE_CONFIG_WATCHING ??= "true";
  process.env.WRANGLER_LOG_PATH ??= path.join(projectRoot, ".config", "wrangler-logs");
  process.env.XDG_CONFIG_HOME ??= path.join(projectRoot, ".config");
  mkdirSync(process.env.XDG_CONFIG_HOME, { recursive: true });
}
