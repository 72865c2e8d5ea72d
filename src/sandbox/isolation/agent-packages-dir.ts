/**
 * The `node_modules` directory the agent CLIs are installed in: bound read-only into the sandbox so
 * the agent can run, while the project around it (its `.dev.vars`, the sandbox directories) stays out
 * of sight. It holds only published packages.
 */
import { createRequire } from "node:module";
import { dirname } from "node:path";

export function agentPackagesDir(): string {
  const pkg = createRequire(import.meta.url).resolve("@anthropic-ai/claude-code/package.json");
  // node_modules/@anthropic-ai/claude-code/package.json → node_modules
  return dirname(dirname(dirname(pkg)));
}
