/**
 * Runs the local sandbox host: `tsx src/sandbox/host/main.ts [--unsafe-no-isolation]`.
 *
 * Agents run inside bubblewrap; without it the host refuses to start, unless --unsafe-no-isolation
 * says to run them as plain processes (and every status comment then says so).
 *
 *   SANDBOX_HOST_SECRET  required (≥ 16 characters of A-Z a-z 0-9 . _ ~ + / -); the local provider
 *                        sends it as a bearer token
 *   SANDBOX_HOST_PORT    default 8790
 *   SANDBOX_ROOT         default ./.understudy/sandboxes
 *   SANDBOX_MIRROR_DIR   the per-repository git mirrors, so each run fetches only what is new; default
 *                        ./.understudy/mirrors; empty, no cache (every run clones in full)
 *   ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY   handed to each sandbox's Claude Code
 *   OPENAI_BASE_URL, OPENAI_API_KEY         handed to each sandbox's Codex
 *   SANDBOX_MEMORY_MB    each agent sandbox's memory limit, default 4096 (a cgroup, where allowed)
 *   SANDBOX_MAX_PROCESSES  each agent sandbox's process limit, default 4096 (threads count)
 *   SANDBOX_SESSION_TTL_HOURS  how long a session's agent home (its conversation, for a follow-up's
 *                        resume) is kept after its last run, default 24
 */
import { resolve } from "node:path";
import { stderrLog } from "../bridge/log.js";
import { startSandboxHost } from "./start-sandbox-host.js";

const log = stderrLog("sandbox-host");
const secret = process.env.SANDBOX_HOST_SECRET ?? "";
if (secret.length < 16) {
  log.error("SANDBOX_HOST_SECRET must be set to at least 16 characters (e.g. `openssl rand -hex 32`)");
  process.exit(1);
}
const port = Number(process.env.SANDBOX_HOST_PORT ?? 8790);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  log.error(`SANDBOX_HOST_PORT is not a port: ${process.env.SANDBOX_HOST_PORT}`);
  process.exit(1);
}

const host = await startSandboxHost({
  port,
  root: resolve(process.env.SANDBOX_ROOT ?? ".understudy/sandboxes"),
  // On by default; SANDBOX_MIRROR_DIR= (empty) turns the cache off.
  ...(process.env.SANDBOX_MIRROR_DIR !== ""
    ? { mirrorDir: resolve(process.env.SANDBOX_MIRROR_DIR ?? ".understudy/mirrors") }
    : {}),
  secret,
  modelEnv: { baseUrl: process.env.ANTHROPIC_BASE_URL, apiKey: process.env.ANTHROPIC_API_KEY },
  openaiEnv: { baseUrl: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY },
  isolation: process.argv.includes("--unsafe-no-isolation") ? "none" : "bubblewrap",
  limits: {
    ...(process.env.SANDBOX_MEMORY_MB ? { memoryMb: Number(process.env.SANDBOX_MEMORY_MB) } : {}),
    ...(process.env.SANDBOX_MAX_PROCESSES ? { processes: Number(process.env.SANDBOX_MAX_PROCESSES) } : {}),
  },
  log,
}).catch((err: unknown) => {
  // A secret a bearer token cannot carry, a port in use, a bridge that does not build: say which,
  // without a stack trace.
  log.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
log.info(`listening on ${host.url}`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info(
    `${signal}: stopping ${[...host.sandboxes.values()].filter((s) => s.running).length} running sandbox(es)`,
  );
  await host.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
