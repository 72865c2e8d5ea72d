/**
 * `npm start`: the local stack without the scripted webhook: the control plane in workerd (state
 * persisted under .wrangler/state) and the sandbox host, on 127.0.0.1. Settings come from the
 * environment or .dev.vars. With no GitHub App configured yet, it says how to connect one.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { startSandboxHost } from "../sandbox/host/start-sandbox-host.js";
import { startWebhookProxy } from "./setup/start-webhook-proxy.js";
import { projectRoot, startControlPlane } from "./start-control-plane.js";

/** Reads KEY=VALUE lines (the format wrangler uses for .dev.vars). */
export function readDevVars(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = line.match(/^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/);
    if (!m?.[1]) continue;
    vars[m[1]] = (m[2] ?? "").replace(/^"([\s\S]*)"$/, "$1");
  }
  return vars;
}

export async function runStart(
  opts: { port?: number; hostPort?: number; unsafeNoIsolation?: boolean } = {},
): Promise<{ close(): Promise<void> }> {
  const fileVars = readDevVars(path.join(projectRoot, ".dev.vars"));
  const pick = (k: string) => process.env[k] ?? fileVars[k];
  const hostSecret = pick("SANDBOX_HOST_SECRET") ?? randomBytes(24).toString("hex");
  const sandboxRoot = path.join(projectRoot, ".understudy", "sandboxes");
  mkdirSync(sandboxRoot, { recursive: true });
  const modelEnv = {
    ...(pick("ANTHROPIC_BASE_URL") ? { baseUrl: pick("ANTHROPIC_BASE_URL") } : {}),
    ...(pick("ANTHROPIC_API_KEY") ? { apiKey: pick("ANTHROPIC_API_KEY") } : {}),
  };
  const host = await startSandboxHost({
    port: opts.hostPort ?? 8788,
    root: sandboxRoot,
    secret: hostSecret,
    isolation: opts.unsafeNoIsolation ? "none" : "bubblewrap",
    mirrorDir: path.join(projectRoot, ".understudy", "mirrors"),
    modelEnv,
    openaiEnv: { baseUrl: pick("OPENAI_BASE_URL"), apiKey: pick("OPENAI_API_KEY") },
  });
  const vars: Record<string, string> = {
    ...fileVars,
    SANDBOX_HOST_URL: host.url,
    SANDBOX_HOST_SECRET: hostSecret,
  };
  for (const k of [
    "APP_ID",
    "PRIVATE_KEY",
    "WEBHOOK_SECRET",
    "APP_SLUG",
    "GITHUB_API_URL",
    "GITHUB_URL",
    "PUBLIC_URL",
  ]) {
    const v = process.env[k];
    if (v) vars[k] = v;
  }
  const missing = ["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET"].filter((k) => !vars[k]);
  // The Worker fails closed without these; give it placeholders so it starts and explains itself.
  const controlPlane = await startControlPlane({
    port: opts.port ?? 8787,
    persistTo: path.join(projectRoot, ".wrangler", "state"),
    vars: { APP_ID: "0", PRIVATE_KEY: "unset", WEBHOOK_SECRET: "", ...vars },
    placeholders: missing,
  });
  const say = (s: string) => process.stdout.write(`${s}\n`);
  say(`Understudy is running on this machine:`);
  say(
    `  control plane (workerd)  ${controlPlane.url}   webhooks: POST ${controlPlane.url}/api/github/webhooks`,
  );
  say(
    `  sandbox host             ${host.url}   sandboxes under ${path.relative(process.cwd(), sandboxRoot)}`,
  );
  // GitHub cannot reach 127.0.0.1: a smee.io channel (set by `npm run setup`) relays its deliveries.
  const proxyUrl = pick("WEBHOOK_PROXY_URL");
  if (proxyUrl) say(`  webhook relay (smee)     ${proxyUrl} → ${controlPlane.url}/api/github/webhooks`);
  const proxy = proxyUrl
    ? startWebhookProxy({ source: proxyUrl, target: `${controlPlane.url}/api/github/webhooks`, say })
    : undefined;
  if (missing.length > 0) {
    say("");
    say(`No GitHub App is connected yet (missing ${missing.join(", ")}). To connect one:`);
    say("  1. npm run setup registers one from app.yml through GitHub's manifest flow and writes .dev.vars");
    say("     (set WEBHOOK_PROXY_URL to a smee.io channel first, or pass --webhook-url).");
    say(
      "  2. Add ANTHROPIC_API_KEY to .dev.vars and install the App on a repository (setup prints the link).",
    );
    say("  3. Run npm start again. Until then webhooks are refused (fail closed).");
    say("To see the whole flow offline right now: npm run demo");
  }
  say("Stop with Ctrl-C.");
  return {
    async close() {
      await proxy?.stop();
      await controlPlane.dispose();
      await host.close();
    },
  };
}
