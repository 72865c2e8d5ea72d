/**
 * The host's routes with no server and no processes (`app.request()`): a fake spawn records what it
 * was asked to run, so "nothing spawned" is a plain assertion.
 */
import { expect, it } from "vitest";
import { hostTestSpec } from "../../../test/support/host/sandbox-spec.js";
import type { SandboxSpec } from "../../core/wire.js";
import { silentLog } from "../bridge/log.js";
import { MAX_SPEC_BYTES, type SandboxView, sandboxHostApp } from "./sandbox-host-app.js";

const SECRET = "host-secret-0123456789abcdef";

const spec = hostTestSpec();

function setup(secret = SECRET) {
  const sandboxes = new Map<string, SandboxView>();
  const spawned: SandboxSpec[] = [];
  const stopped: string[] = [];
  const errors: string[] = [];
  const app = sandboxHostApp({
    secret,
    sandboxes,
    log: { ...silentLog, error: (m) => errors.push(m) },
    async spawn(s) {
      if (s.prompt === "explode") throw new Error("spawn failed: no such file");
      spawned.push(s);
      const sandbox = { id: `sb-${spawned.length}`, running: true, exitCode: null };
      sandboxes.set(sandbox.id, sandbox);
      return sandbox;
    },
    async stop(sandbox) {
      stopped.push(sandbox.id);
      sandbox.running = false;
    },
  });
  return { app, sandboxes, spawned, stopped, errors };
}

const auth = { authorization: `Bearer ${SECRET}` };
const json = { "content-type": "application/json" };
const post = (app: ReturnType<typeof setup>["app"], body: string, headers: Record<string, string>) =>
  app.request("/sandboxes", { method: "POST", headers, body });

it("spawns on a valid spec with the right token, and reports and stops the sandbox", async () => {
  const { app, spawned, stopped } = setup();
  const res = await post(app, JSON.stringify(spec), { ...auth, ...json });
  expect(res.status).toBe(201);
  expect(await res.json()).toEqual({ sandboxId: "sb-1" });
  expect(spawned).toEqual([spec]);

  const got = await app.request("/sandboxes/sb-1", { headers: auth });
  expect(await got.json()).toEqual({ sandboxId: "sb-1", running: true, exitCode: null });
  const del = await app.request("/sandboxes/sb-1", { method: "DELETE", headers: auth });
  expect(del.status).toBe(204);
  expect(stopped).toEqual(["sb-1"]);
});

it("answers 401 to a missing or wrong bearer token, and spawns nothing", async () => {
  const { app, spawned } = setup();
  for (const headers of [
    json,
    { ...json, authorization: `Bearer ${SECRET}x` },
    { ...json, authorization: `Bearer ${SECRET.slice(0, -1)}` },
    { ...json, authorization: "Bearer short" },
  ]) {
    const res = await post(app, JSON.stringify(spec), headers);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "unauthorized" });
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
  }
  expect((await app.request("/sandboxes/sb-1", { method: "DELETE" })).status).toBe(401);
  expect((await app.request("/sandboxes/sb-1")).status).toBe(401);
  // A header that is not a bearer token at all is a malformed request (RFC 6750, 3.1): 400.
  const basic = await post(app, JSON.stringify(spec), { ...json, authorization: `Basic ${SECRET}` });
  expect(basic.status).toBe(400);
  expect(spawned).toEqual([]);
});

it("answers 413 to a body over the limit, by its Content-Length or while it streams, and spawns nothing", async () => {
  const { app, spawned } = setup();
  const big = JSON.stringify({ ...spec, prompt: "x".repeat(MAX_SPEC_BYTES) });
  const res = await post(app, big, { ...auth, ...json, "content-length": String(big.length) });
  expect(res.status).toBe(413);
  expect(await res.json()).toEqual({ error: "body too large for a sandbox spec" });

  // No Content-Length: counted as the chunks arrive.
  const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      sent += chunk.length;
      controller.enqueue(chunk);
      // Far past the limit: the host must stop reading well before the end.
      if (sent > 16 * MAX_SPEC_BYTES) controller.close();
    },
  });
  const streamed = await app.request("/sandboxes", {
    method: "POST",
    headers: { ...auth, ...json },
    body: stream,
    duplex: "half",
  } as RequestInit);
  expect(streamed.status).toBe(413);
  expect(sent).toBeLessThan(2 * MAX_SPEC_BYTES);
  expect(spawned).toEqual([]);
});

it("answers 400 naming the bad field of a malformed spec, and spawns nothing", async () => {
  const { app, spawned } = setup();
  const res = await post(app, JSON.stringify({ ...spec, token: "short", run: 0 }), { ...auth, ...json });
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: string; issues: Array<{ path: string[] }> };
  expect(body.error).toMatch(/^invalid sandbox spec: /);
  expect(body.error).toContain("token: ");
  expect(body.error).toContain("run: ");
  expect(body.issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["token", "run"]));

  const nested = await post(app, JSON.stringify({ ...spec, repo: { ...spec.repo, cloneUrl: "nope" } }), {
    ...auth,
    ...json,
  });
  expect(((await nested.json()) as { error: string }).error).toContain("repo.cloneUrl: ");

  const notJson = await post(app, "{not json", { ...auth, ...json });
  expect(notJson.status).toBe(400);
  expect(await notJson.json()).toEqual({ error: "Malformed JSON in request body" });
  expect((await post(app, JSON.stringify(spec), { ...auth, "content-type": "text/plain" })).status).toBe(415);
  expect(spawned).toEqual([]);
});

it("answers JSON for unknown sandboxes, paths and methods, and hides a failure's details", async () => {
  const { app, errors } = setup();
  const unknown = await app.request("/sandboxes/nope", { method: "DELETE", headers: auth });
  expect(unknown.status).toBe(404);
  expect(await unknown.json()).toEqual({ error: "no such sandbox" });
  expect((await app.request("/elsewhere")).status).toBe(404);
  const put = await app.request("/sandboxes", { method: "PUT", headers: auth });
  expect(put.status).toBe(405);
  expect(put.headers.get("allow")).toBe("POST");

  const failed = await post(app, JSON.stringify({ ...spec, prompt: "explode" }), { ...auth, ...json });
  expect(failed.status).toBe(500);
  expect(await failed.json()).toEqual({ error: "internal error" });
  expect(errors).toEqual(["POST /sandboxes: spawn failed: no such file"]);
});

it("answers /healthz without a token", async () => {
  const res = await setup().app.request("/healthz");
  expect(await res.json()).toEqual({ ok: true });
});

it("refuses to be built without a usable secret", () => {
  expect(() => setup("")).toThrow(/at least 16 characters/);
  expect(() => setup("a secret with spaces in it")).toThrow(/bearer token/);
});
