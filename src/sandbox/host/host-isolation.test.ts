/**
 * The sandbox host as a user starts it (`tsx src/sandbox/host/main.ts`): where bubblewrap cannot run
 * it refuses to start and says what to do; --unsafe-no-isolation starts it anyway, loudly.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Starts the host with a PATH that has no `bwrap`; resolves once it exits or says it listens. */
function startHost(args: string[]): Promise<{ code: number | null; output: string }> {
  const root = mkdtempSync(join(tmpdir(), "understudy-host-iso-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const child = spawn(process.execPath, ["--import", TSX, MAIN, ...args], {
    env: {
      PATH: join(root, "no-bin"),
      SANDBOX_HOST_SECRET: "host-secret-0123456789abcdef",
      SANDBOX_HOST_PORT: "0",
      SANDBOX_ROOT: join(root, "sandboxes"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanups.push(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let output = "";
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ code: null, output: `${output}\n(timed out)` }), 30_000);
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        output += chunk;
        if (/listening on http:\/\/127\.0\.0\.1:\d+/.test(output)) {
          clearTimeout(timer);
          child.kill("SIGTERM");
          resolve({ code: null, output });
        }
      });
    }
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

it("refuses to start without bubblewrap, and says how to go on", async () => {
  const { code, output } = await startHost([]);
  expect(code).toBe(1);
  expect(output).toContain("bubblewrap (`bwrap`) is not installed or cannot create namespaces here");
  expect(output).toContain("apt-get install bubblewrap");
  expect(output).toContain("--unsafe-no-isolation");
  expect(output).not.toContain("listening");
});

it("starts without bubblewrap only when told --unsafe-no-isolation, and warns", async () => {
  const { output } = await startHost(["--unsafe-no-isolation"]);
  expect(output).toContain("--unsafe-no-isolation: agents run without bubblewrap");
  expect(output).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
});
