/**
 * The host where no PID namespace can be made: it says so, and a stop still kills the process tree
 * it can see, a child that left the bridge's session included.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it, vi } from "vitest";
import { watchProcesses } from "../../../test/support/agents/watch-processes.js";
import { fakeBridgeCommand } from "../../../test/support/host/fake-bridge-command.js";
import type { SandboxSpec } from "../../core/wire.js";
import { silentLog } from "../bridge/log.js";
import { startSandboxHost } from "./start-sandbox-host.js";

vi.mock("../agents/pid-namespace.js", () => ({ inPidNamespace: () => null }));

const SECRET = "host-secret-0123456789abcdef";
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it("warns that the run is not in a PID namespace, and DELETE still kills the tree", async () => {
  const root = mkdtempSync(join(tmpdir(), "understudy-host-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const warnings: string[] = [];
  const host = await startSandboxHost({
    root: join(root, "sandboxes"),
    secret: SECRET,
    modelEnv: {},
    log: { ...silentLog, warn: (m) => warnings.push(m) },
    killGraceMs: 300,
    bridgeCommand: fakeBridgeCommand(root),
  });
  cleanups.push(() => host.close());
  const watch = watchProcesses(process.pid);
  cleanups.push(() => watch.stop());
  const spec: SandboxSpec = {
    sessionId: "sess_0123456789abcdef",
    run: 1,
    controlUrl: "http://127.0.0.1:9",
    token: "sandbox-token-".padEnd(48, "x"),
    repo: {
      cloneUrl: "https://github.com/a/b.git",
      owner: "a",
      name: "b",
      baseBranch: "main",
      branch: "u/1-x",
    },
    prompt: "do it",
    agent: "claude-code",
    startSeq: 0,
    author: { name: "understudy[bot]", email: "bot@example.com" },
    coAuthor: { name: "Ada", email: "ada@example.com" },
    commitTitle: "Understudy: do it",
    timeLimitMs: 60_000,
  };
  const auth = { authorization: `Bearer ${SECRET}` };
  const res = await fetch(`${host.url}/sandboxes`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify(spec),
  });
  const { sandboxId } = (await res.json()) as { sandboxId: string };
  for (let i = 0; i < 200 && !watch.seen().some((p) => p.cmdline.endsWith("fake-bridge-daemon")); i++) {
    await sleep(25);
  }
  expect(warnings).toEqual([expect.stringMatching(/PID namespaces are not available here/)]);
  expect(watch.seen().some((p) => p.cmdline.startsWith("unshare"))).toBe(false);

  const del = await fetch(`${host.url}/sandboxes/${sandboxId}`, { method: "DELETE", headers: auth });
  expect(del.status).toBe(204);
  expect(host.sandboxes.get(sandboxId)?.signal).toBe("SIGKILL"); // it ignored SIGTERM
  for (let i = 0; i < 200 && watch.alive().length > 0; i++) await sleep(25);
  expect(watch.alive()).toEqual([]);
});
