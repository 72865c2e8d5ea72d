/**
 * Starts the real control plane (the Worker and its SessionDO) in workerd through wrangler's API,
 * on 127.0.0.1, with the given settings as bindings. Used by `npm start`, the demo and the tests.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { configProblems } from "../../worker/config.js";
import { isolateWrangler } from "./wrangler-env.js";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export type ControlPlane = {
  /** wrangler's dev server: the stable address (the given port), kept across reloads. */
  url: string;
  /**
   * workerd's own socket, behind wrangler's dev proxy: a new port on every start. The proxy can drop
   * a POST under load (its connections to workerd race workerd's idle timeout, and the request is
   * answered 503 "Your worker restarted mid-request"); a deployed Worker has no such hop, so load
   * that measures the Worker itself is sent here.
   */
  workerUrl: string;
  dispose(): Promise<void>;
};

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
  const { unstable_DevEnv } = await import("wrangler");
  const bindings = Object.fromEntries(
    Object.entries(opts.vars).map(([k, value]) => [k, { type: "plain_text" as const, value }]),
  );
  // unstable_startWorker, with an ear on the proxy's "reloadComplete": the one place wrangler names
  // workerd's own address.
  const devEnv = new unstable_DevEnv();
  const proxy = devEnv.proxy;
  const onReloadComplete = proxy.onReloadComplete.bind(proxy);
  const workerAddress = new Promise<string>((resolve) => {
    proxy.onReloadComplete = (event) => {
      onReloadComplete(event);
      const { protocol, hostname, port } = event.proxyData.userWorkerUrl;
      resolve(`${protocol}//${hostname}:${port}`);
    };
  });
  const worker = await devEnv.startWorker({
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
  // The dev server is ready before workerd is; the first request would wait for it anyway.
  let timer: NodeJS.Timeout | undefined;
  const workerUrl = await Promise.race([
    workerAddress,
    new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 60_000))),
  ]);
  clearTimeout(timer);
  if (!workerUrl) {
    await worker.dispose();
    throw new Error("wrangler started the Worker without saying where workerd listens");
  }
  return { url, workerUrl, dispose: () => worker.dispose() };
}
