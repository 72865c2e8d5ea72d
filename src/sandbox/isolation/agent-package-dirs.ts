/**
 * The installed packages of the agent CLIs: bound read-only into the sandbox so the agent can run,
 * while the project around them (its `.dev.vars`, the sandbox directories) and every other package
 * of the project's node_modules stay out of sight. Each CLI is a package with a native binary in
 * a platform package beside it (`@anthropic-ai/claude-code-linux-x64`, `@openai/codex-linux-x64`).
 */
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The agents' npm scopes and the package names in them that belong to an agent CLI. */
const AGENT_PACKAGES: ReadonlyArray<{ scope: string; name: RegExp }> = [
  { scope: "@anthropic-ai", name: /^claude-code(-[a-z0-9-]+)?$/ },
  { scope: "@openai", name: /^codex(-[a-z0-9-]+)?$/ },
];

/** The project's node_modules (where the pinned CLIs are installed). */
function nodeModules(): string {
  const pkg = createRequire(import.meta.url).resolve("@anthropic-ai/claude-code/package.json");
  // node_modules/@anthropic-ai/claude-code/package.json → node_modules
  return dirname(dirname(dirname(pkg)));
}

/** Absolute real paths of the agent CLIs' package directories that are installed. */
export function agentPackageDirs(): string[] {
  const root = nodeModules();
  const dirs: string[] = [];
  for (const { scope, name } of AGENT_PACKAGES) {
    const scopeDir = join(root, scope);
    if (!existsSync(scopeDir)) continue;
    for (const entry of readdirSync(scopeDir).sort())
      if (name.test(entry)) dirs.push(realpathSync(join(scopeDir, entry)));
  }
  return dirs;
}
