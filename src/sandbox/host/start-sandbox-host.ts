/**
 * The local sandbox host: a loopback HTTP server that the `local` sandbox provider asks to start and
 * stop bridge processes. The routes are in sandbox-host-app.ts; this wires them to real processes
 * and serves them with @hono/node-server.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { type BridgeLog, stderrLog } from "../bridge/log.js";
import { pruneMirrorCache } from "../bridge/prune-mirror-cache.js";
import type { Isolation, ModelEnv } from "../bridge/run-bridge.js";
import { bubblewrapWorks } from "../isolation/bubblewrap.js";
import { buildBridge, keepBundleMarked } from "./build-bridge.js";
import { sessionTtlMs, startSessionPruning } from "./prune-session-dirs.js";
import { sandboxHostApp } from "./sandbox-host-app.js";
import { type BridgeCommand, type Sandbox, spawnBridge } from "./spawn-bridge.js";

export type SandboxHostOptions = {
  /** 0 or unset: any free port. */
  port?: number;
  /** Directory under which each sandbox gets its own directory. */
  root: string;
  /** At least 16 characters, all of them ones a bearer token can carry (`openssl rand -hex 32`). */
  secret: string;
  /** Claude Code's model API. */
  modelEnv: ModelEnv;
  /** Codex's model API (OPENAI_BASE_URL, OPENAI_API_KEY). */
  openaiEnv?: ModelEnv;
  log?: BridgeLog;
  /** Between SIGTERM and SIGKILL on a stop; long enough for the bridge to commit what the agent left. */
  killGraceMs?: number;
  /**
   * What to run instead of the bridge (tests). Without it the host builds the bridge once at
   * start-up (build-bridge.ts) and runs it with plain node; a failed build fails the start.
   */
  bridgeCommand?: BridgeCommand;
  /**
   * Root of the per-repository git mirrors (mirror-cache.ts) that let a run fetch only what is new;
   * handed to each bridge as UNDERSTUDY_MIRROR_DIR. Unset: no cache, every run clones in full.
   */
  mirrorDir?: string;
  /**
   * `bubblewrap` (the default): every agent runs inside bubblewrap with the network allowlist, and the
   * host refuses to start where bubblewrap cannot run. `none` is --unsafe-no-isolation: agents run as
   * plain processes, and every status comment says so.
   */
  isolation?: Isolation;
  /** Each agent sandbox's memory (MiB) and process-count limits (default 4096 MiB and 4096 tasks). */
  limits?: { memoryMb?: number; processes?: number };
  /**
   * A session's directory (the agent's HOME kept between its runs) unused this long is removed, at
   * start and hourly; default SANDBOX_SESSION_TTL_HOURS, else 24 hours.
   */
  sessionTtlHours?: number;
};

/** Why the host will not start without isolation, and the two ways forward. */
export const NO_BUBBLEWRAP =
  "bubblewrap (`bwrap`) is not installed or cannot create namespaces here, so agents could read this " +
  "machine's files and reach any network. Install it (`sudo apt-get install bubblewrap`), or start with " +
  "--unsafe-no-isolation to run agents unisolated (every status comment will say so).";

export type SandboxHost = {
  /** http://127.0.0.1:<port> */
  url: string;
  sandboxes: Map<string, Sandbox>;
  /** Stops every running sandbox, then the server. Sandbox directories stay. */
  close(): Promise<void>;
};

export async function startSandboxHost(opts: SandboxHostOptions): Promise<SandboxHost> {
  const log = opts.log ?? stderrLog("sandbox-host");
  const isolation = opts.isolation ?? "bubblewrap";
  if (isolation === "bubblewrap" && !bubblewrapWorks()) throw new Error(NO_BUBBLEWRAP);
  if (isolation === "none") log.warn("--unsafe-no-isolation: agents run without bubblewrap");
  // Before listening: a host that cannot build its bridge could accept runs it can never start.
  if (!opts.bridgeCommand) {
    const built = await buildBridge();
    log.info(`bridge ${built.reused ? "up to date" : "built"}: ${built.file} (${Math.round(built.ms)} ms)`);
  }
  const stopMarking = opts.bridgeCommand ? () => {} : keepBundleMarked();
  const killGraceMs = opts.killGraceMs ?? 10_000;
  const sandboxes = new Map<string, Sandbox>();
  const stop = async (sandbox: Sandbox) => {
    await sandbox.stopper.stop(killGraceMs);
    log.info(`stopped sandbox ${sandbox.id}`);
  };

  const app = sandboxHostApp({
    secret: opts.secret,
    sandboxes,
    log,
    async spawn(spec) {
      const sandbox = await spawnBridge(spec, {
        root: opts.root,
        modelEnv: opts.modelEnv,
        ...(opts.openaiEnv ? { openaiEnv: opts.openaiEnv } : {}),
        log,
        command: opts.bridgeCommand,
        mirrorDir: opts.mirrorDir,
        isolation,
        ...(opts.limits ? { limits: opts.limits } : {}),
      });
      sandboxes.set(sandbox.id, sandbox);
      log.info(
        `started sandbox ${sandbox.id} (pid ${sandbox.pid}) for session ${sandbox.sessionId} run ${sandbox.run}`,
      );
      return sandbox;
    },
    stop,
  });

  // createAdaptorServer rather than serve: serve listens without reporting a failure (a port in use).
  const server = createAdaptorServer({
    async fetch(request, env) {
      const response = await app.fetch(request, env);
      // Refused before the body was all received (401, 413): the client may still be sending it, so
      // the connection cannot carry another request. Say so and close it (RFC 9112, section 9.6);
      // otherwise the next request on a pooled connection can fail with "other side closed".
      if (!env.incoming.complete) response.headers.set("connection", "close");
      return response;
    },
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Loopback only: the secret is the one gate, and nothing off this machine needs to reach it.
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const stopPruning = startSessionPruning({
    root: opts.root,
    maxAgeMs: sessionTtlMs(String(opts.sessionTtlHours ?? process.env.SANDBOX_SESSION_TTL_HOURS)),
    sandboxes,
    log,
  });

  const stopMirrorPruning = opts.mirrorDir ? startMirrorPruning(opts.mirrorDir, log) : () => {};

  return {
    url: `http://127.0.0.1:${port}`,
    sandboxes,
    async close() {
      stopPruning();
      stopMirrorPruning();
      stopMarking();
      await Promise.all([...sandboxes.values()].filter((s) => s.running).map(stop));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Repositories no run has used for {@link MIRROR_MAX_AGE_MS} leave the mirror cache (their mirror
 * and spare checkout), at start-up and then daily: the cache would otherwise keep every repository
 * the host ever saw. Days, far beyond any run's time limit: a running checkout borrows its mirror's objects.
 */
const MIRROR_MAX_AGE_MS = 14 * 24 * 3_600_000;
const MIRROR_PRUNE_EVERY_MS = 24 * 3_600_000;

function startMirrorPruning(root: string, log: BridgeLog): () => void {
  const prune = () => {
    pruneMirrorCache(root, { maxAgeMs: MIRROR_MAX_AGE_MS, log }).then(
      (removed) => {
        if (removed.length > 0)
          log.info(`removed ${removed.length} unused repositories from the mirror cache`);
      },
      (err: unknown) => log.warn(`could not prune the mirror cache: ${String(err)}`),
    );
  };
  prune();
  const timer = setInterval(prune, MIRROR_PRUNE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
