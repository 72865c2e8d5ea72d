import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startWebhookProxy } from "./start-webhook-proxy.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("startWebhookProxy", () => {
  it("forwards each delivery of the smee channel to the local Worker, signature included", async () => {
    const body = { action: "created", comment: { body: "@understudy hi" } };
    // smee.io's event stream: each delivery's headers, with its JSON body under `body`.
    const channel = await listen((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("event: ready\ndata: {}\n\n");
      const delivery = {
        "x-github-event": "issue_comment",
        "x-github-delivery": "d-1",
        "x-hub-signature-256": "sha256=abc",
        host: "smee.io",
        body,
        query: {},
      };
      res.write(`data: ${JSON.stringify(delivery)}\n\n`);
    });
    const received: Array<{ url?: string; headers: IncomingMessage["headers"]; body: string }> = [];
    const worker = await listen((req, res) => {
      let text = "";
      req.on("data", (c) => {
        text += c;
      });
      req.on("end", () => {
        received.push({ url: req.url, headers: req.headers, body: text });
        res.writeHead(202).end();
      });
    });
    const said: string[] = [];
    const proxy = startWebhookProxy({
      source: `${channel}/abc`,
      target: `${worker}/api/github/webhooks`,
      say: (l) => said.push(l),
    });
    try {
      await vi.waitFor(() => expect(received).toHaveLength(1), { timeout: 10_000 });
      expect(received[0]).toMatchObject({
        url: "/api/github/webhooks",
        headers: {
          "x-github-event": "issue_comment",
          "x-github-delivery": "d-1",
          "x-hub-signature-256": "sha256=abc",
          host: new URL(worker).host,
          "content-type": "application/json",
        },
        body: JSON.stringify(body),
      });
      await vi.waitFor(() => expect(said.join("\n")).toMatch(/smee: POST .*\/api\/github\/webhooks - 202/));
    } finally {
      await proxy.stop();
    }
    expect(said.at(-1)).toBe("smee: Connection closed");
  });

  it("reports a channel it cannot reach without failing", async () => {
    const said: string[] = [];
    const closed = await listen(() => {});
    servers.pop()?.close();
    const proxy = startWebhookProxy({
      source: `${closed}/x`,
      target: "http://127.0.0.1:1/",
      say: (l) => said.push(l),
    });
    await vi.waitFor(() => expect(said.join("\n")).toMatch(/smee: cannot reach .*; retrying/), {
      timeout: 10_000,
    });
    await proxy.stop();
  });
});
