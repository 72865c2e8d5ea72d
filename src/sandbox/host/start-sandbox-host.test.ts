import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { type ProcessWatch, watchProcesses } from "../../../test/support/agents/watch-processes.js";
import { fakeBridgeCommand } from "../../../test/support/host/fake-bridge-command.js";
import { hostTestSpec } from "../../../test/support/host/sandbox-spec.js";
import { silentLog } from "../bridge/log.js";
import { type SandboxHost, type SandboxHostOptions, startSandboxHost } from "./start-sandbox-host.js";

const SECRET = "host-secret-0123456789abcdef";
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(
  overrides: Partial<SandboxHostOptions> = {},
): Promise<{ host: SandboxHost; root: string }> {
  const root = mkdtempSync(join(tmpdir(), "understudy-host-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const host = await startSandboxHost({
    root: join(root, "sandboxes"),
    secret: SECRET,
    modelEnv: { baseUrl: "http://127.0.0.1:9", apiKey: "sk-ant-test-model-key" },
    log: silentLog,
    killGraceMs: 300,
    bridgeCommand: fakeBridgeCommand(root),
    ...overrides,
  });
  cleanups.push(() => host.close());
  return { host, root };
}

const spec = hostTestSpec({ run: 3, startSeq: 12 });

const post = (host: SandboxHost, body: unknown, auth: string | null = `Bearer ${SECRET}`) =>
  fetch(`${host.url}/sandboxes`, {
    method: "POST",
    headers: auth ? { authorization: auth, "content-type": "application/json" } : {},
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

/** Polls (bounded) until `read` returns something. */
async function eventually<T>(read: () => T | undefined, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("condition not met");
}

/** Records every process the test starts; bounded wait until the fake bridge's daemon is up. */
async function watchUntilDaemon(): Promise<ProcessWatch> {
  const watch = watchProcesses(process.pid);
  cleanups.push(() => watch.stop());
  await eventually(() =>
    watch.seen().some((p) => p.cmdline.endsWith("fake-bridge-daemon")) ? true : undefined,
  );
  return watch;
}

it("answers /healthz without a secret", async () => {
  const { host } = await start();
  expect((await fetch(`${host.url}/healthz`)).status).toBe(200);
});

it("refuses requests without the right secret", async () => {
  const { host } = await start();
  expect((await post(host, spec, null)).status).toBe(401);
  expect((await post(host, spec, `Bearer ${SECRET}x`)).status).toBe(401);
  expect((await post(host, spec, "Bearer short")).status).toBe(401);
  expect((await fetch(`${host.url}/sandboxes/abc`, { method: "DELETE" })).status).toBe(401);
  expect(host.sandboxes.size).toBe(0);
});

it("answers 413 over HTTP to a body over the limit without buffering it, and stays usable", async () => {
  const { host } = await start();
  const res = await post(host, { ...spec, prompt: "x".repeat(2 * 1024 * 1024) });
  expect(res.status).toBe(413);
  expect(await res.json()).toEqual({ error: "body too large for a sandbox spec" });
  // The rest of the body was never read, so the connection is not reused for the next request.
  expect(res.headers.get("connection")).toBe("close");
  expect(host.sandboxes.size).toBe(0);
  // An unauthenticated oversize body is refused for its token first.
  expect((await post(host, { ...spec, prompt: "x".repeat(2 * 1024 * 1024) }, null)).status).toBe(401);
  expect((await post(host, spec)).status).toBe(201);
});

it("refuses a start without a real secret", async () => {
  await expect(start({ secret: "" })).rejects.toThrow(/secret/);
});

it("answers 400 with the zod issues for a bad spec", async () => {
  const { host } = await start();
  const res = await post(host, { ...spec, token: "short" });
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: string; issues: Array<{ path: string[] }> };
  expect(body.issues.map((i) => i.path.join("."))).toContain("token");
  expect(body.error).toMatch(/^invalid sandbox spec: token: /);
  expect((await post(host, "{not json")).status).toBe(400);
  expect(host.sandboxes.size).toBe(0);
});

it("spawns the bridge with the spec on stdin only, and DELETE kills its whole process tree", async () => {
  const { host } = await start();
  const res = await post(host, spec);
  expect(res.status).toBe(201);
  const { sandboxId } = (await res.json()) as { sandboxId: string };
  expect(sandboxId).toMatch(/^sess_0123456-r3-[0-9a-f]{8}$/);
  const sandbox = host.sandboxes.get(sandboxId)!;
  expect(existsSync(join(sandbox.dir, "home"))).toBe(true);
  expect(existsSync(join(sandbox.dir, "tmp"))).toBe(true);

  const watch = await watchUntilDaemon();
  const bridge = watch
    .seen()
    .find((p) => p.cmdline.endsWith("fake-bridge.mjs") && !p.cmdline.startsWith("unshare"));
  // The bridge is PID 1 of a namespace of its own, under `unshare`, which is what the host spawned.
  expect(bridge?.nsPids).toEqual([expect.any(Number), 1]);
  expect(readFileSync(`/proc/${sandbox.pid}/comm`, "utf8").trim()).toBe("unshare");
  expect(JSON.parse(readFileSync(join(sandbox.dir, "spec.json"), "utf8"))).toEqual(spec);
  // The token is in neither the command line nor the environment of the bridge.
  const cmdline = readFileSync(`/proc/${bridge?.pid}/cmdline`, "utf8");
  const environ = readFileSync(`/proc/${bridge?.pid}/environ`, "utf8");
  for (const text of [cmdline, environ]) {
    expect(text).not.toContain(spec.token);
    expect(text).not.toContain(SECRET);
  }
  expect(environ).toContain(`HOME=${join(sandbox.dir, "home")}`);
  expect(environ).toContain("ANTHROPIC_API_KEY=sk-ant-test-model-key");
  expect(
    (await fetch(`${host.url}/sandboxes/${sandboxId}`, { headers: { authorization: `Bearer ${SECRET}` } }))
      .status,
  ).toBe(200);

  const started = Date.now();
  const del = await fetch(`${host.url}/sandboxes/${sandboxId}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${SECRET}` },
  });
  expect(del.status).toBe(204);
  expect(sandbox.running).toBe(false);
  expect(Date.now() - started).toBeGreaterThanOrEqual(300); // it ignored SIGTERM: the grace ran out
  // Checked at once: DELETE answers after the namespace is empty, the setsid daemon included.
  expect(watch.alive()).toEqual([]);
  // The work directory stays.
  expect(existsSync(join(sandbox.dir, "spec.json"))).toBe(true);
  expect(
    (
      await fetch(`${host.url}/sandboxes/nope`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${SECRET}` },
      })
    ).status,
  ).toBe(404);
});

it("kills every running sandbox on close", async () => {
  const { host } = await start();
  const ids: string[] = [];
  for (const run of [1, 2]) {
    const res = await post(host, { ...spec, run });
    ids.push(((await res.json()) as { sandboxId: string }).sandboxId);
  }
  const watch = await watchUntilDaemon();
  await eventually(() =>
    watch.seen().filter((p) => p.cmdline.endsWith("fake-bridge-daemon")).length === 2 ? true : undefined,
  );
  await host.close();
  for (const id of ids) expect(host.sandboxes.get(id)?.running).toBe(false);
  expect(watch.alive()).toEqual([]);
});
