/**
 * A fault-injecting reverse proxy for the chaos suite. It forwards HTTP requests (bodies streamed
 * both ways, any method, keep-alive) and WebSocket upgrades (the upgrade request is forwarded, then
 * the raw TCP is piped) to one target, and lets a policy answer any request with a fault instead:
 * a canned status (GitHub's 502 or secondary rate limit), a reset connection, or a hang. Everything
 * listens on 127.0.0.1.
 */
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { connect, type Socket } from "node:net";

export type FaultRequest = {
  method: string;
  /** Path and query as the client sent them, e.g. `/api/v3/repos/o/r/pulls`. */
  path: string;
  headers: Record<string, string | undefined>;
  /** 1 for the first request this proxy saw (HTTP or upgrade), 2 for the next, … */
  n: number;
  /**
   * The request body as text, only with `inspectBody` (the proxy then reads the whole body before it
   * decides). A retry of a write carries the same body; the next write to the same path usually not.
   */
  body?: string;
};

export type Fault =
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: string }
  /** Destroys the client's connection without an answer. */
  | { kind: "reset" }
  /** Holds the request without an answer for `ms`, then resets it. */
  | { kind: "hang"; ms: number };

export type FaultPolicy = (req: FaultRequest) => Fault | null;

export type FaultStats = {
  requests: number;
  faults: Record<Fault["kind"], number>;
  /** WebSocket (or other) upgrades forwarded. */
  upgrades: number;
  /** Upgraded connections destroyed by dropSockets(). */
  dropped: number;
  /** Requests the target could not be reached for (answered 502 by the proxy itself). */
  upstreamErrors: number;
};

export type FaultProxy = {
  /** http://127.0.0.1:<port>: use it in place of the target's origin. */
  url: string;
  setPolicy(policy: FaultPolicy | null): void;
  /** Destroys every live upgraded connection, both halves, as a network failure would. */
  dropSockets(): number;
  readonly stats: FaultStats;
  close(): Promise<void>;
};

/** The body GitHub sends with a secondary rate limit (403 or 429, with `retry-after`). */
export const SECONDARY_RATE_LIMIT_BODY = JSON.stringify({
  message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
  documentation_url:
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
});

/** GitHub's secondary rate limit answer: https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api */
export function secondaryRateLimit(status: 403 | 429 = 403, retryAfterS = 1): Fault {
  return {
    kind: "status",
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "retry-after": String(retryAfterS),
      "x-github-request-id": "FAULTPROXY:1",
    },
    body: SECONDARY_RATE_LIMIT_BODY,
  };
}

/** A 502 as GitHub's front end sends it when a backend is unavailable. */
export function badGateway(): Fault {
  return {
    kind: "status",
    status: 502,
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify({ message: "Server Error" }),
  };
}

/**
 * Connection-level headers of one hop; never forwarded (RFC 9110 §7.6.1). Transfer-Encoding is
 * hop-by-hop too, but Node frames a request body by it, so requests keep it; responses are re-framed.
 */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "upgrade",
]);

/** Bodies read for `inspectBody` are API requests of a few KB; this bounds a runaway client. */
const MAX_INSPECTED_BODY_BYTES = 8 * 1024 * 1024;

export async function startFaultProxy(opts: {
  target: string;
  policy?: FaultPolicy;
  /** Read each request body before asking the policy, and give it as `body`. */
  inspectBody?: boolean;
}): Promise<FaultProxy> {
  const target = new URL(opts.target);
  if (target.protocol !== "http:") throw new Error(`fault proxy: only http targets, not ${opts.target}`);
  const targetPort = Number(target.port || 80);
  const basePath = target.pathname.replace(/\/+$/, "");
  let policy: FaultPolicy | null = opts.policy ?? null;
  let closed = false;
  const stats: FaultStats = {
    requests: 0,
    faults: { status: 0, reset: 0, hang: 0 },
    upgrades: 0,
    dropped: 0,
    upstreamErrors: 0,
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  /** Upgraded connections: client socket → target socket. */
  const tunnels = new Map<Socket, Socket>();
  const hangs = new Set<{ timer: NodeJS.Timeout; socket: Socket }>();

  const decide = (req: IncomingMessage, body?: Buffer): Fault | null => {
    stats.requests += 1;
    const n = stats.requests;
    if (!policy) return null;
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    const fault = policy({
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers,
      n,
      ...(body ? { body: body.toString("utf8") } : {}),
    });
    if (fault) stats.faults[fault.kind] += 1;
    return fault;
  };

  /** Resets now, or after a hang; either way the client gets no answer. */
  const resetOrHang = (socket: Socket, fault: Extract<Fault, { kind: "reset" | "hang" }>) => {
    if (fault.kind === "reset") {
      socket.destroy();
      return;
    }
    const entry = {
      socket,
      timer: setTimeout(() => {
        hangs.delete(entry);
        socket.destroy();
      }, fault.ms),
    };
    hangs.add(entry);
    socket.once("close", () => {
      clearTimeout(entry.timer);
      hangs.delete(entry);
    });
  };

  const forwardHeaders = (headers: IncomingHttpHeaders): Record<string, string | string[]> => {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(headers)) {
      if (v === undefined || HOP_BY_HOP.has(k)) continue;
      out[k] = v;
    }
    out.host = target.host;
    return out;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body?: Buffer) => {
    const fault = decide(req, body);
    if (fault?.kind === "status") {
      const answer = () => {
        res.writeHead(fault.status, {
          "content-length": Buffer.byteLength(fault.body ?? ""),
          ...fault.headers,
        });
        res.end(fault.body ?? "");
      };
      if (body) answer();
      else {
        // Read (and drop) the body first, so a keep-alive connection stays usable for the next request.
        req.resume();
        req.once("end", answer);
      }
      return;
    }
    if (fault) {
      resetOrHang(req.socket, fault);
      return;
    }
    const headers = forwardHeaders(req.headers);
    if (body) {
      delete headers["transfer-encoding"];
      headers["content-length"] = String(body.length);
    }
    const upstream = request({
      host: target.hostname,
      port: targetPort,
      method: req.method,
      path: `${basePath}${req.url ?? "/"}`,
      headers,
      agent,
    });
    upstream.on("response", (up) => {
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(up.headers)) {
        if (v !== undefined && !HOP_BY_HOP.has(k) && k !== "transfer-encoding") headers[k] = v;
      }
      res.writeHead(up.statusCode ?? 502, up.statusMessage, headers);
      up.pipe(res);
      up.once("error", () => res.destroy());
    });
    upstream.on("error", (err) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      stats.upstreamErrors += 1;
      const body = JSON.stringify({ message: `fault proxy: the target is unreachable (${err.message})` });
      res.writeHead(502, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
    // A client that goes away mid-request takes the forwarded request with it.
    res.once("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (body) upstream.end(body);
    else req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    if (!opts.inspectBody) {
      handle(req, res);
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_INSPECTED_BODY_BYTES) req.destroy();
      else parts.push(chunk);
    });
    req.once("end", () => handle(req, res, Buffer.concat(parts)));
  });

  server.on("upgrade", (req: IncomingMessage, client: Socket, head: Buffer) => {
    // A client may reset while it is answered with a fault or held: that is the network it asked
    // for, not an error of the proxy (unhandled, it would be an uncaught exception).
    client.on("error", () => {});
    const fault = decide(req);
    if (fault?.kind === "status") {
      const lines = [`HTTP/1.1 ${fault.status} Fault`, "connection: close"];
      for (const [k, v] of Object.entries(fault.headers ?? {})) lines.push(`${k}: ${v}`);
      lines.push(`content-length: ${Buffer.byteLength(fault.body ?? "")}`);
      client.end(`${lines.join("\r\n")}\r\n\r\n${fault.body ?? ""}`);
      return;
    }
    if (fault) {
      resetOrHang(client, fault);
      return;
    }
    stats.upgrades += 1;
    const upstream = connect(targetPort, target.hostname);
    tunnels.set(client, upstream);
    let connected = false;
    const teardown = () => {
      if (!connected && tunnels.has(client)) stats.upstreamErrors += 1;
      tunnels.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", teardown);
    upstream.on("error", teardown);
    client.on("close", teardown);
    upstream.on("close", teardown);
    upstream.once("connect", () => {
      connected = true;
      // Forward the upgrade request as it came, but with the target's Host (keeping Upgrade and
      // Connection: they are the point of this request).
      const lines = [`${req.method} ${basePath}${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i]!;
        lines.push(`${name}: ${name.toLowerCase() === "host" ? target.host : req.rawHeaders[i + 1]}`);
      }
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    setPolicy(p) {
      policy = p;
    },
    dropSockets() {
      const live = [...tunnels.entries()];
      for (const [client, upstream] of live) {
        tunnels.delete(client);
        client.destroy();
        upstream.destroy();
      }
      stats.dropped += live.length;
      return live.length;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const h of hangs) {
        clearTimeout(h.timer);
        h.socket.destroy();
      }
      hangs.clear();
      for (const [client, upstream] of tunnels) {
        client.destroy();
        upstream.destroy();
      }
      tunnels.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}
