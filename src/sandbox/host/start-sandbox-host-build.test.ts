/**
 * A host whose bridge does not build refuses to start, with esbuild's reason, rather than accepting
 * runs it could never start.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it, vi } from "vitest";
import { silentLog } from "../bridge/log.js";
import { startSandboxHost } from "./start-sandbox-host.js";

vi.mock("./build-bridge.js", () => ({
  buildBridge: () =>
    Promise.reject(
      new Error('could not build the bridge (src/sandbox/bridge/main.ts): main.ts:3: Could not resolve "x"'),
    ),
  builtBridgeFile: () => {
    throw new Error("the bridge has not been built");
  },
}));

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it("fails to start, saying why the bridge did not build", async () => {
  const root = mkdtempSync(join(tmpdir(), "understudy-host-build-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  await expect(
    startSandboxHost({
      root: join(root, "sandboxes"),
      secret: "host-secret-0123456789abcdef",
      modelEnv: {},
      log: silentLog,
      isolation: "none",
    }),
  ).rejects.toThrow(/^could not build the bridge \(.*\): main\.ts:3: Could not resolve "x"$/);
});
