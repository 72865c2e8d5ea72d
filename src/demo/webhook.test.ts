import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { verify } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, expect, it } from "vitest";
import { deliverWebhook, signWebhook } from "./webhook.js";

let url: string;
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
    res.writeHead(202).end();
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

it("signs as GitHub does", async () => {
  const signature = await signWebhook("s3cret", '{"a":1}');
  expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
  expect(await verify("s3cret", '{"a":1}', signature)).toBe(true);
});

it("delivers with GitHub's headers and a signature over the exact body", async () => {
  received.length = 0;
  const payload = { action: "created", installation: { id: 5 }, text: "héllo" };
  const res = await deliverWebhook(url, {
    name: "issue_comment",
    id: "d-1",
    payload,
    secret: "s3cret",
    appId: 9,
  });
  expect(res.status).toBe(202);
  const [got] = received;
  expect(got?.headers).toMatchObject({
    "x-github-event": "issue_comment",
    "x-github-delivery": "d-1",
    "content-type": "application/json",
    "x-github-hook-installation-target-id": "9",
  });
  expect(got?.headers["user-agent"]).toMatch(/^GitHub-Hookshot\//);
  expect(JSON.parse(got!.body)).toEqual(payload);
  expect(await verify("s3cret", got!.body, String(got!.headers["x-hub-signature-256"]))).toBe(true);
});

it("sends a signature override as is, and a fresh delivery id by default", async () => {
  received.length = 0;
  await deliverWebhook(url, { name: "ping", payload: {}, signature: "sha256=00" });
  await deliverWebhook(url, { name: "ping", payload: {}, secret: "x" });
  expect(received[0]?.headers["x-hub-signature-256"]).toBe("sha256=00");
  expect(received[0]?.headers["x-github-delivery"]).not.toBe(received[1]?.headers["x-github-delivery"]);
});
