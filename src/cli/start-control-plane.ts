/**
 * Starts the real control plane (the Worker and its SessionDO) in workerd through wrangler's API,
 * on 127.0.0.1, with the given settings as bindings. Used by `npm start`, the demo and the tests.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { configProblems } from "../../worker/config.js";
import { isolateWrangler } from "./wrangler-env.js";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export type ControlPlane = { url: string; dispose(): Promise<void> };

export async function startControlPlane(opts: {
  vars: Record<string, string>;
  port?: number;
  /** Directory for SQLite state; false keeps it in memory. */
  persistTo?: string | false;
  /** Settings known to be placeholders (no GitHub App yet): not reported as problems. */
  placeholders?: readonly string[];
}): Promise<ControlPlane> {
  // A configuration that cannot work is refused here, at start-up, naming the setting, rather than
  // answering every webhook with a 500 later.
  const problems = configProblems(opts.vars).filter(
    (p) => !(opts.placeholders ?? []).some((k) => p.startsWith(`${k}:`)),
  );
  if (problems.length > 0) throw new Error(`Understudy is misconfigured:\n${problems.join("\n")}`);
  isolateWrangler(projectRoot);
  const { unstable_startWorker } = await import("wrangler");
  const bindings = Object.fromEntries(
    Object.entries(opts.vars).map(([k, value]) => [k, { type: "plain_text" as const, value }]),
  );
  const worker = await unstable_startWorker({
    config: path.join(projectRoot, "wrangler.toml"),
    bindings,
    // `wrangler dev` derives this from compatibility_flags; startWorker (4.86) leaves it unset, and
    // without it Probot's logger cannot bundle (thread-stream requires node built-ins).
    build: { nodejsCompatMode: "v2" },
    dev: {
      server: { hostname: "127.0.0.1", port: opts.port ?? 0 },
      inspector: false,
      persist: opts.persistTo ?? false,
      logLevel: (process.env.UNDERSTUDY_WRANGLER_LOG as "warn" | undefined) ?? "warn",
      watch: false,
      remote: false,
    },
  });
  await worker.ready;
  const url = String(await worker.url).replace(/\/$/, "");
  return { url, dispose: () => worker.dispose() };
}
