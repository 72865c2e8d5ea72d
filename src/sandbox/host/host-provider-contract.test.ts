/**
 * The local provider (what the SessionDO calls) against the real host: the two sides of one HTTP
 * interface, so a change to either that breaks the other fails here.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { fakeBridgeCommand } from "../../../test/support/host/fake-bridge-command.js";
import { hostTestSpec } from "../../../test/support/host/sandbox-spec.js";
import { silentLog } from "../bridge/log.js";
import { hostProvider } from "../providers/host-provider.js";
import { SandboxProviderError } from "../providers/sandbox-provider.js";
import { type SandboxHost, startSandboxHost } from "./start-sandbox-host.js";

const SECRET = "host-secret-0123456789abcdef";
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(): Promise<SandboxHost> {
  const root = mkdtempSync(join(tmpdir(), "understudy-contract-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const host = await startSandboxHost({
    root: join(root, "sandboxes"),
    secret: SECRET,
    modelEnv: {},
    log: silentLog,
    killGraceMs: 200,
    bridgeCommand: fakeBridgeCommand(root),
  });
  cleanups.push(() => host.close());
  return host;
}

const spec = hostTestSpec({ sessionId: "sess_contract" });

it("spawns and stops through the provider; stopping a finished or unknown sandbox is no error", async () => {
  const host = await start();
  const provider = hostProvider({ hostUrl: host.url, secret: SECRET, where: "local" });
  const { sandboxId } = await provider.spawn(spec);
  const sandbox = host.sandboxes.get(sandboxId);
  expect(sandbox?.running).toBe(true);
  await provider.stop(sandboxId);
  expect(sandbox?.running).toBe(false);
  await provider.stop(sandboxId);
  await provider.stop("no-such-sandbox");
});

it("reports the host's refusals as provider errors that say what is wrong", async () => {
  const host = await start();
  const wrong = hostProvider({ hostUrl: host.url, secret: `${SECRET}x`, where: "local" });
  await expect(wrong.spawn(spec)).rejects.toThrow(/refused this control plane's SANDBOX_HOST_SECRET \(401\)/);
  await expect(wrong.stop("anything")).rejects.toThrow(/: 401$/);
  const right = hostProvider({ hostUrl: host.url, secret: SECRET, where: "local" });
  const bad = right.spawn({ ...spec, controlUrl: "not a url" });
  await expect(bad).rejects.toBeInstanceOf(SandboxProviderError);
  await expect(bad).rejects.toThrow(/answered 400: .*controlUrl: /);
  expect(host.sandboxes.size).toBe(0);
});
