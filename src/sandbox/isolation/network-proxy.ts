/**
 * The one way out of a sandbox's network namespace: an HTTP proxy on a Unix socket that the bridge
 * binds into the sandbox. It serves `CONNECT host:port` (HTTPS and any TCP tunnel) and absolute-form
 * plain-HTTP requests, only to hosts the allowlist names; anything else is answered 403 and reported
 * through `onBlocked`, so the run's transcript and status comment can list it (as Copilot's firewall
 * does). It runs in the bridge, outside the sandbox, so the agent can neither change the list nor
 * see the connections' other ends.
 */

import { lookup } from "node:dns/promises";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { BlockList, connect, isIPv6, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { canonicalHost, type HostRule, hostAllowed } from "../../core/host-allowlist.js";

export type BlockedRequest = { host: string; port: number };

export type NetworkProxy = {
  socketPath: string;
  close(): Promise<void>;
};

// Hop-by-hop headers (RFC 9110 section 7.6.1) and the proxy's own: never forwarded.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** `host:port` of a CONNECT request target, or null when it is not one. */
export function parseAuthority(target: string): BlockedRequest | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s/[\]]+):(\d{1,5})$/.exec(target);
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65_535) return null;
  return { host: canonicalHost(m[1]!), port };
}

/** Addresses a repository-allowed host name may not resolve to: the host's own and its network's. */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const)
  PRIVATE.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
] as const)
  PRIVATE.addSubnet(net, prefix, "ipv6");

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, "ipv4");
  return PRIVATE.check(address, isIPv6(address) ? "ipv6" : "ipv4");
}

export async function startNetworkProxy(opts: {
  socketPath: string;
  rules: readonly HostRule[];
  /**
   * Rules the operator set (the model API, which may be on this machine): reached as named. A host
   * only the other rules allow (a repository's) is resolved here and refused if it resolves to a
   * private, loopback or link-local address, and the connection goes to the address checked.
   */
  trusted?: readonly HostRule[];
  onBlocked: (blocked: BlockedRequest) => void;
}): Promise<NetworkProxy> {
  const open = new Set<Duplex>();
  const track = (s: Duplex) => {
    open.add(s);
    s.once("close", () => open.delete(s));
  };
  /** Where to connect for an allowed target; rejects when a repository rule leads somewhere private. */
  const resolveTarget = async (target: BlockedRequest): Promise<string> => {
    if (hostAllowed(opts.trusted ?? [], target.host, target.port)) return target.host;
    const addresses = await lookup(target.host, { all: true, verbatim: true });
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad || addresses.length === 0)
      throw new Error(
        `${target.host} resolves to ${bad?.address ?? "nothing"}, which a repository may not open`,
      );
    return addresses[0]!.address;
  };
  const refuse = (what: BlockedRequest, why?: unknown) => {
    opts.onBlocked(what);
    return why instanceof Error
      ? `${why.message}\n`
      : `${what.host}:${what.port} is not on this sandbox's network allowlist\n`;
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "");
    } catch {
      res.writeHead(400, { "content-type": "text/plain" }).end("send absolute-form requests or CONNECT\n");
      return;
    }
    if (url.protocol !== "http:") {
      res
        .writeHead(400, { "content-type": "text/plain" })
        .end("only http:// is proxied this way; use CONNECT\n");
      return;
    }
    const target = { host: canonicalHost(url.hostname), port: Number(url.port || 80) };
    if (!hostAllowed(opts.rules, target.host, target.port)) {
      res.writeHead(403, { "content-type": "text/plain" }).end(refuse(target));
      return;
    }
    const headers: Record<string, string | string[]> = {};
    // Headers the Connection header names are hop-by-hop too (RFC 9110 section 7.6.1).
    const named = new Set(
      String(req.headers.connection ?? "")
        .split(",")
        .map((h) => h.trim().toLowerCase()),
    );
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) headers[name] = value;
    }
    // The host the allowlist checked, not one the client names (a shared CDN would route by it).
    headers.host = url.host;
    let address: string;
    try {
      address = await resolveTarget(target);
    } catch (err) {
      res.writeHead(403, { "content-type": "text/plain" }).end(refuse(target, err));
      return;
    }
    const upstream = httpRequest(
      {
        host: address,
        port: target.port,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers,
      },
      (up) => {
        const back: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(up.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name)) back[name] = value;
        }
        res.writeHead(up.statusCode ?? 502, back);
        up.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`could not reach ${target.host}:${target.port}: ${err.message}\n`);
    });
    req.pipe(upstream);
  });

  server.on("connect", async (req: IncomingMessage, client: Duplex, head: Buffer) => {
    track(client);
    client.on("error", () => client.destroy());
    const target = parseAuthority(req.url ?? "");
    if (!target) {
      client.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
      return;
    }
    if (!hostAllowed(opts.rules, target.host, target.port)) {
      const body = refuse(target);
      client.end(
        `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      return;
    }
    let address: string;
    try {
      address = await resolveTarget(target);
    } catch (err) {
      const body = refuse(target, err);
      client.end(
        `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      return;
    }
    const upstream: Socket = connect({ port: target.port, host: address, noDelay: true });
    track(upstream);
    upstream.once("connect", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", (err) => {
      if (upstream.connecting)
        client.end(`HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\n\r\n${err.message}\n`);
      else client.destroy();
    });
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  });
  server.on("connection", track);
  server.on("clientError", (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    socketPath: opts.socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
