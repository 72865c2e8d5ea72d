/**
 * Runs the local sandbox host: `tsx src/sandbox/host/main.ts`.
 *
 *   SANDBOX_HOST_SECRET  required (≥ 16 characters of A-Z a-z 0-9 . _ ~ + / -); the local provider
 *                        sends it as a bearer token
 *   SANDBOX_HOST_PORT    default 8790
 *   SANDBOX_ROOT         default ./.understudy/sandboxes
 *   ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY   handed to each sandbox's agent
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
  secret,
  modelEnv: { baseUrl: process.env.ANTHROPIC_BASE_URL, apiKey: process.env.ANTHROPIC_API_KEY },
  log,
}).catch((err: unknown) => {
  // A secret a bearer token cannot carry, or a port in use: say which, without a stack trace.
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
