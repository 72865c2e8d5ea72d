/**
 * The local sandbox host: a loopback HTTP server that the `local` sandbox provider asks to start and
 * stop bridge processes. Every route but /healthz needs `Authorization: Bearer <secret>`.
 *
 *   POST   /sandboxes       body SandboxSpec → 201 {sandboxId}, at once (the run goes on in the background)
 *   GET    /sandboxes/:id   → 200 {sandboxId, running, exitCode}
 *   DELETE /sandboxes/:id   → 204 once the process tree is gone (SIGTERM, then SIGKILL after a grace)
 *   GET    /healthz         → 200
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SandboxSpec } from "../../core/wire.js";
import { type BridgeLog, stderrLog } from "../bridge/log.js";
import type { ModelEnv } from "../bridge/run-bridge.js";
import { type BridgeCommand, killSandbox, type Sandbox, spawnBridge } from "./spawn-bridge.js";

export type SandboxHostOptions = {
  /** 0 or unset: any free port. */
  port?: number;
  /** Directory under which each sandbox gets its own directory. */
  root: string;
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

// A SandboxSpec is a few KB (the prompt dominates); 1 MiB bounds what an unauthenticated caller can make us buffer.
const MAX_BODY_BYTES = 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const digest = (s: string) => createHash("sha256").update(s).digest();

export async function startSandboxHost(opts: SandboxHostOptions): Promise<SandboxHost> {
  // Fail closed: a host without a real secret would run anything anyone on the machine posts.
  if (opts.secret.length < 16) throw new Error("the sandbox host needs a secret of at least 16 characters");
  const log = opts.log ?? stderrLog("sandbox-host");
  const killGraceMs = opts.killGraceMs ?? 10_000;
  const sandboxes = new Map<string, Sandbox>();
  const expected = digest(`Bearer ${opts.secret}`);

  const checkAuth = (req: IncomingMessage) => {
    // Comparing fixed-length digests keeps the comparison constant-time whatever the header's length.
    if (!timingSafeEqual(digest(req.headers.authorization ?? ""), expected)) {
      throw new HttpError(401, "unauthorized");
    }
  };

  const routes = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/healthz" && req.method === "GET") return send(res, 200, { ok: true });
    if (path === "/sandboxes") {
      if (req.method !== "POST") throw new HttpError(405, "method not allowed");
      checkAuth(req);
      const parsed = SandboxSpec.safeParse(await readJson(req));
      if (!parsed.success) throw new HttpError(400, "invalid sandbox spec", parsed.error.issues);
      const sandbox = await spawnBridge(parsed.data, {
        root: opts.root,
        modelEnv: opts.modelEnv,
        log,
        command: opts.bridgeCommand,
      });
      sandboxes.set(sandbox.id, sandbox);
      log.info(
        `started sandbox ${sandbox.id} (pid ${sandbox.pid}) for session ${sandbox.sessionId} run ${sandbox.run}`,
      );
      return send(res, 201, { sandboxId: sandbox.id });
    }
    const match = /^\/sandboxes\/([A-Za-z0-9_-]+)$/.exec(path);
    if (match) {
      checkAuth(req);
      const sandbox = sandboxes.get(match[1]!);
      if (!sandbox) throw new HttpError(404, "no such sandbox");
      if (req.method === "GET") {
        return send(res, 200, {
          sandboxId: sandbox.id,
          running: sandbox.running,
          exitCode: sandbox.exitCode,
        });
      }
      if (req.method === "DELETE") {
        await killSandbox(sandbox, killGraceMs);
        log.info(`stopped sandbox ${sandbox.id}`);
        res.writeHead(204).end();
        return;
      }
      throw new HttpError(405, "method not allowed");
    }
    throw new HttpError(404, "not found");
  };

  const server = createServer((req, res) => {
    routes(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) {
        send(res, err.status, { error: err.message, ...(err.details ? { issues: err.details } : {}) });
        return;
      }
      log.error(`${req.method} ${req.url}: ${err instanceof Error ? err.message : String(err)}`);
      send(res, 500, { error: "internal error" });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    sandboxes,
    async close() {
      await Promise.all(
        [...sandboxes.values()].filter((s) => s.running).map((s) => killSandbox(s, killGraceMs)),
      );
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "body too large");
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "body is not JSON");
  }
}
