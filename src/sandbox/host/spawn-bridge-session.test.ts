/** The session's directory the host gives each bridge of a session (session-dir.ts). */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { bridgeSpec } from "../../../test/support/bridge/bridge-spec.js";
import { sessionDirOf } from "./session-dir.js";
import { spawnBridge } from "./spawn-bridge.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it("gives every run of a session the same session directory, with its home, while the bridge keeps its own HOME", async () => {
  const root = mkdtempSync(join(tmpdir(), "understudy-spawn-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const cp = { sessionId: "sess/../odd id", url: "http://127.0.0.1:9", token: "t".repeat(40) };
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), warn: () => {}, error: () => {} };
  const command = { command: "sh", args: ["-c", 'echo "session=$UNDERSTUDY_SESSION_DIR home=$HOME"'] };
  const runs = [];
  for (const run of [1, 2]) {
    const sandbox = await spawnBridge(bridgeSpec(cp, "http://127.0.0.1:9/r.git", { run }), {
      root,
      modelEnv: {},
      log,
      command,
      isolation: "none",
    });
    await sandbox.exited;
    runs.push(sandbox);
  }
  const sessionDir = sessionDirOf(root, cp.sessionId);
  expect(existsSync(join(sessionDir, "home"))).toBe(true);
  const said = lines.filter((l) => l.includes("session="));
  expect(said).toEqual(
    runs.map((s) => expect.stringContaining(`session=${sessionDir} home=${join(s.dir, "home")}`)),
  );
});
