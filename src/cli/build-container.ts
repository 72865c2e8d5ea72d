/**
 * `npm run build:container`: fills container/ (the build context of container/Dockerfile, which
 * `wrangler deploy` builds for the `cloudflare` provider) with what the image copies in: the bridge
 * bundle, built as the sandbox host builds it (build-bridge.ts), the sandbox init it starts the agent
 * with under bubblewrap, and a package.json pinning the
 * agent CLIs to the versions of this project's own package.json, so the container runs exactly the
 * agents the test suite runs.
 */
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildBridge } from "../sandbox/host/build-bridge.js";
import { sandboxInitPath } from "../sandbox/isolation/bubblewrap.js";

/** The agent CLIs the image installs (their versions come from the project's package.json). */
const AGENT_CLIS = ["@anthropic-ai/claude-code", "@openai/codex"] as const;

export type ContainerContext = { bridge: string; packageJson: string; agents: Record<string, string> };

/**
 * Writes the bridge, the init it runs inside bubblewrap, and the agents' package.json into `dir`
 * (default container/): what the image puts in /opt/understudy.
 */
export async function buildContainer(
  projectRoot: string,
  dir = join(projectRoot, "container"),
): Promise<ContainerContext> {
  // Built inside the project (build-bridge.ts needs it there), then copied under a stable name.
  const build = await buildBridge({ outDir: join(projectRoot, ".understudy", "container-build") });
  const bridge = join(dir, "bridge.mjs");
  await copyFile(build.file, bridge);
  // Found beside the bundle (bubblewrap.ts's sandboxInitPath): the first program inside bubblewrap.
  await copyFile(sandboxInitPath(), join(dir, "sandbox-init.mjs"));
  const project = JSON.parse(await readFile(join(projectRoot, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  const agents: Record<string, string> = {};
  for (const name of AGENT_CLIS) {
    const version = project.dependencies?.[name];
    if (!version) throw new Error(`package.json does not pin ${name}`);
    agents[name] = version;
  }
  const packageJson = join(dir, "package.json");
  await writeFile(
    packageJson,
    `${JSON.stringify({ name: "understudy-container", private: true, dependencies: agents }, null, 2)}\n`,
  );
  return { bridge, packageJson, agents };
}
