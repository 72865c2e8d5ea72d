/**
 * The local sandbox host: a loopback HTTP server that the `local` sandbox provider asks to start and
 * stop bridge processes. The routes are in sandbox-host-app.ts; this wires them to real processes
 * and serves them with @hono/node-server.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { type BridgeLog, stderrLog } from "../bridge/log.js";
import type { ModelEnv } from "../bridge/run-bridge.js";
import { sandboxHostApp } from "./sandbox-host-app.js";
import { type BridgeCommand, type Sandbox, spawnBridge } from "./spawn-bridge.js";

export type SandboxHostOptions = {
  /** 0 or unset: any free port. */
  port?: number;
  /** Directory under which each sandbox gets its own directory. */
  root: string;
  /** At least 16 characters, all of them ones a bearer token can carry (`openssl rand -hex 32`). */
  secret: string;
  modelEnv: ModelEnv;
  log?: BridgeLog;
  /** Between SIGTERM and SIGKILL on a stop; long enough for the bridge to commit what the agent left. */
  killGraceMs?: number;
  /** What to run instead of the bridge (tests). */
  bridgeCommand?: BridgeCommand;
};

export type SandboxHost = {
  /** http://127.0.0.1:<port> */
  url: string;
  sandboxes: Map<string, Sandbox>;
  /** Stops every running sandbox, then the server. Sandbox directories stay. */
  close(): Promise<void>;
};

export async function startSandboxHost(opts: SandboxHostOptions): Promise<SandboxHost> {
  const log = opts.log ?? stderrLog("sandbox-host");
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
        log,
        command: opts.bridgeCommand,
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

  return {
    url: `http://127.0.0.1:${port}`,
    sandboxes,
    async close() {
      await Promise.all([...sandboxes.values()].filter((s) => s.running).map(stop));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
