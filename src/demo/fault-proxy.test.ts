import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import {
  badGateway,
  type FaultProxy,
  type FaultRequest,
  SECONDARY_RATE_LIMIT_BODY,
  secondaryRateLimit,
  startFaultProxy,
} from "./fault-proxy.js";

type Seen = {
  method: string;
  url: string;
  host: string | undefined;
  body: string;
  headers: IncomingMessage["headers"];
};

/** A target that echoes what it received, and streams a chunked answer on /stream. */
async function startTarget(): Promise<{ url: string; seen: Seen[]; wss: WebSocketServer; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const body = Buffer.concat(parts).toString("utf8");
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        host: req.headers.host,
        body,
        headers: req.headers,
      });
      if (req.url === "/stream") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("one,");
        setTimeout(() => res.end("two"), 20);
        return;
      }
      res.writeHead(201, { "content-type": "application/json", "x-target": "yes" });
      res.end(JSON.stringify({ method: req.method, url: req.url, body }));
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws, req) => {
    ws.send(`hello ${req.url}`);
    ws.on("message", (m) => ws.send(`echo ${m.toString()}`));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, wss, server };
}

describe("startFaultProxy", () => {
  let target: Awaited<ReturnType<typeof startTarget>>;
  let proxy: FaultProxy;
  beforeEach(async () => {
    target = await startTarget();
    proxy = await startFaultProxy({ target: target.url });
  });
  afterEach(async () => {
    await proxy.close();
    target.wss.close();
    target.server.closeAllConnections();
    await new Promise<void>((r) => target.server.close(() => r()));
  });

  it("forwards every method with its body, query and headers, and streams the answer back", async () => {
    for (const method of ["GET", "POST", "PATCH", "PUT", "DELETE"]) {
      const res = await fetch(`${proxy.url}/a/b?x=1`, {
        method,
        headers: { authorization: "token abc", "x-custom": "1" },
        ...(method === "GET" ? {} : { body: JSON.stringify({ method }) }),
      });
      expect(res.status).toBe(201);
      expect(res.headers.get("x-target")).toBe("yes");
      const echo = (await res.json()) as { method: string; url: string; body: string };
      expect(echo).toEqual({
        method,
        url: "/a/b?x=1",
        body: method === "GET" ? "" : JSON.stringify({ method }),
      });
    }
    const last = target.seen.at(-1)!;
    expect(last.headers.authorization).toBe("token abc");
    expect(last.headers["x-custom"]).toBe("1");
    // The target sees its own host, as behind any reverse proxy.
    expect(last.host).toBe(new URL(target.url).host);

    const streamed = await fetch(`${proxy.url}/stream`);
    expect(await streamed.text()).toBe("one,two");
    // A body sent in chunks (no content-length) arrives whole.
    const big = "x".repeat(200_000);
    const chunked = await fetch(`${proxy.url}/upload`, {
      method: "POST",
      body: new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode(big.slice(0, 100_000)));
          c.enqueue(new TextEncoder().encode(big.slice(100_000)));
          c.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(((await chunked.json()) as { body: string }).body).toBe(big);
    expect(proxy.stats.requests).toBe(7);
  });

  it("keeps a base path of the target in front of every request path", async () => {
    const based = await startFaultProxy({ target: `${target.url}/api/v3/` });
    try {
      await (await fetch(`${based.url}/repos/o/r`)).text();
      expect(target.seen.at(-1)?.url).toBe("/api/v3/repos/o/r");
    } finally {
      await based.close();
    }
  });

  it("answers a status fault itself, without forwarding, and gives the policy method, path, headers and n", async () => {
    const asked: FaultRequest[] = [];
    proxy.setPolicy((req) => {
      asked.push(req);
      return req.method === "POST" ? secondaryRateLimit(403, 1) : null;
    });
    const limited = await fetch(`${proxy.url}/api/v3/repos/o/r/pulls`, {
      method: "POST",
      headers: { "x-test": "t" },
      body: "{}",
    });
    expect(limited.status).toBe(403);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(await limited.text()).toBe(SECONDARY_RATE_LIMIT_BODY);
    expect(JSON.parse(SECONDARY_RATE_LIMIT_BODY).message).toMatch(/secondary rate limit/);
    expect(target.seen).toEqual([]);

    expect((await fetch(`${proxy.url}/ok`)).status).toBe(201);
    expect(asked.map((r) => [r.method, r.path, r.n])).toEqual([
      ["POST", "/api/v3/repos/o/r/pulls", 1],
      ["GET", "/ok", 2],
    ]);
    expect(asked[0]?.headers["x-test"]).toBe("t");

    proxy.setPolicy(() => badGateway());
    const bad = await fetch(`${proxy.url}/x`, { method: "PATCH", body: "{}" });
    expect(bad.status).toBe(502);
    await bad.text();
    proxy.setPolicy(null);
    expect((await fetch(`${proxy.url}/x`)).status).toBe(201);
    expect(proxy.stats.faults).toEqual({ status: 2, reset: 0, hang: 0 });
    expect(target.seen.map((s) => s.url)).toEqual(["/ok", "/x"]);
  });

  it("gives the policy the body when asked to, and still forwards it whole", async () => {
    const bodies: Array<string | undefined> = [];
    const inspecting = await startFaultProxy({
      target: target.url,
      inspectBody: true,
      policy: (req) => {
        bodies.push(req.body);
        return req.body === "fail me" ? badGateway() : null;
      },
    });
    try {
      const failed = await fetch(`${inspecting.url}/w`, { method: "PATCH", body: "fail me" });
      expect(failed.status).toBe(502);
      await failed.text();
      const passed = await fetch(`${inspecting.url}/w`, { method: "PATCH", body: "pass me" });
      expect(((await passed.json()) as { body: string }).body).toBe("pass me");
      await (await fetch(`${inspecting.url}/r`)).text();
      expect(bodies).toEqual(["fail me", "pass me", ""]);
      expect(target.seen.map((s) => [s.method, s.body])).toEqual([
        ["PATCH", "pass me"],
        ["GET", ""],
      ]);
    } finally {
      await inspecting.close();
    }
  });

  it("resets the connection for a reset fault", async () => {
    proxy.setPolicy(() => ({ kind: "reset" }));
    await expect(fetch(`${proxy.url}/x`)).rejects.toThrow();
    expect(proxy.stats.faults.reset).toBe(1);
    expect(target.seen).toEqual([]);
  });

  it("holds a hung request for its time, then resets it", async () => {
    proxy.setPolicy(() => ({ kind: "hang", ms: 300 }));
    const started = performance.now();
    await expect(fetch(`${proxy.url}/x`)).rejects.toThrow();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(proxy.stats.faults.hang).toBe(1);
    expect(target.seen).toEqual([]);
  });

  it("ends hung requests when it closes", async () => {
    proxy.setPolicy(() => ({ kind: "hang", ms: 60_000 }));
    const hung = fetch(`${proxy.url}/x`).then(
      () => "answered",
      () => "reset",
    );
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await proxy.close();
    expect(await hung).toBe("reset");
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("answers 502 itself when the target is unreachable", async () => {
    const dead = await startFaultProxy({ target: "http://127.0.0.1:9" });
    try {
      const res = await fetch(`${dead.url}/x`);
      expect(res.status).toBe(502);
      expect(await res.text()).toMatch(/unreachable/);
      expect(dead.stats.upstreamErrors).toBe(1);
    } finally {
      await dead.close();
    }
  });

  it("tunnels WebSockets and drops them on demand", async () => {
    const ws = new WebSocket(`${proxy.url.replace("http", "ws")}/sessions/abc/sandbox`, {
      headers: { authorization: "Bearer t" },
    });
    const messages: string[] = [];
    ws.on("message", (m) => messages.push(m.toString()));
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    ws.send("ping");
    await waitUntil(() => messages.length >= 2);
    expect(messages).toEqual(["hello /sessions/abc/sandbox", "echo ping"]);
    expect(proxy.stats.upgrades).toBe(1);

    const closed = new Promise<number>((r) => ws.once("close", (code) => r(code)));
    const targetSide = [...target.wss.clients][0]!;
    const targetClosed = new Promise<number>((r) => targetSide.once("close", (code) => r(code)));
    expect(proxy.dropSockets()).toBe(1);
    // 1006: closed without a close frame, as after a network failure.
    expect(await closed).toBe(1006);
    expect(await targetClosed).toBe(1006);
    expect(proxy.stats.dropped).toBe(1);
    expect(proxy.dropSockets()).toBe(0);
  });

  it("applies faults to upgrade requests too", async () => {
    proxy.setPolicy(() => badGateway());
    const ws = new WebSocket(`${proxy.url.replace("http", "ws")}/s`);
    const status = await new Promise<number | undefined>((resolve) => {
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode));
      ws.once("error", () => resolve(undefined));
    });
    expect(status).toBe(502);
    expect(proxy.stats.upgrades).toBe(0);
    expect(target.wss.clients.size).toBe(0);
  });
});

async function waitUntil(probe: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}
