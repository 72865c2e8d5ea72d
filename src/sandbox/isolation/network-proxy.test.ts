/**
 * The sandbox's only way out, over its Unix socket: allowed hosts pass (with the Host header they were
 * checked under), others get 403 and are reported, and a name a repository allowed never leads to an
 * address on this machine or its network.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { parseHostRule } from "../../core/host-allowlist.js";
import { type BlockedRequest, startNetworkProxy } from "./network-proxy.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp(rules: string[], trusted: string[]) {
  const seenHosts: string[] = [];
  const upstream = createServer((req, res) => {
    seenHosts.push(String(req.headers.host));
    res.end("upstream");
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => upstream.close(r)));
  const port = (upstream.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), "understudy-proxy-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const blocked: BlockedRequest[] = [];
  const proxy = await startNetworkProxy({
    socketPath: join(dir, "proxy.sock"),
    rules: rules.map((r) => parseHostRule(r.replace("PORT", String(port)))),
    trusted: trusted.map((r) => parseHostRule(r.replace("PORT", String(port)))),
    onBlocked: (b) => blocked.push(b),
  });
  cleanups.push(() => proxy.close());
  /** An absolute-form request through the proxy; resolves with status and body. */
  const get = (url: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { socketPath: proxy.socketPath, path: url.replace("PORT", String(port)), headers },
        (res) => {
          let body = "";
          res.setEncoding("utf8").on("data", (c: string) => {
            body += c;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.end();
    });
  return { get, blocked, seenHosts, port };
}

it("passes the operator's loopback model server, with the checked Host header, and refuses the rest", async () => {
  const { get, blocked, seenHosts, port } = await setUp(["127.0.0.1:PORT"], ["127.0.0.1:PORT"]);
  expect(await get("http://127.0.0.1:PORT/v1/messages", { host: "evil.example" })).toEqual({
    status: 200,
    body: "upstream",
  });
  expect(seenHosts).toEqual([`127.0.0.1:${port}`]);
  expect((await get("http://example.com/")).status).toBe(403);
  expect(blocked).toEqual([{ host: "example.com", port: 80 }]);
});

it("never lets a name a repository allowed lead to this machine", async () => {
  // `localhost` resolves to loopback: allowed by a rule, but not by a trusted (operator's) one.
  const { get, blocked } = await setUp(["localhost:PORT"], []);
  const answer = await get("http://localhost:PORT/");
  expect(answer.status).toBe(403);
  expect(answer.body).toMatch(/resolves to (127\.0\.0\.1|::1), which a repository may not open/);
  expect(blocked).toHaveLength(1);
});
