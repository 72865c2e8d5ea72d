/**
 * The fallback for machines where no PID namespace can be made: the run says so, and a stop still
 * takes down the process tree it can see.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it, vi } from "vitest";
import { watchProcesses } from "../../../test/support/agents/watch-processes.js";
import { bashScript, startModelServer } from "../../demo/model-server.js";
import { claudeCodeEnv, runClaudeCode } from "./claude-code.js";

vi.mock("./pid-namespace.js", () => ({ inPidNamespace: () => null }));

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it("warns that it runs unprotected, and a stop still kills the tree it can see", async () => {
  const root = mkdtempSync(join(tmpdir(), "understudy-claude-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  for (const dir of ["repo", "home", "tmp"]) mkdirSync(join(root, dir));
  const server = await startModelServer(bashScript("echo started; exec sleep 30"));
  cleanups.push(() => server.close());
  const watch = watchProcesses(process.pid);
  cleanups.push(() => watch.stop());
  const controller = new AbortController();
  const warnings: string[] = [];

  const result = await runClaudeCode(
    {
      prompt: "x",
      cwd: join(root, "repo"),
      env: claudeCodeEnv({
        home: join(root, "home"),
        tmpdir: join(root, "tmp"),
        path: process.env.PATH ?? "/usr/bin:/bin",
        model: { baseUrl: server.url, apiKey: "test-key" },
        maxRetries: 0,
      }),
      signal: controller.signal,
      warn: (m) => warnings.push(m),
    },
    (e) => {
      if (e.type !== "tool_call") return;
      void (async () => {
        // Bounded wait for the agent's shell to become the sleep, then stop the run.
        for (let i = 0; i < 400 && !watch.seen().some((p) => p.cmdline === "sleep 30"); i++) await sleep(25);
        controller.abort();
      })();
    },
  );

  expect(warnings).toEqual([expect.stringMatching(/^PID namespaces are not available here/)]);
  expect(result).toMatchObject({ success: false, error: "Stopped: the run was aborted" });
  // No namespace: the CLI itself is the spawned process, and the sleep it left goes too.
  expect(watch.seen().map((p) => p.cmdline)).toEqual(expect.arrayContaining(["sleep 30"]));
  expect(watch.seen().some((p) => p.cmdline.startsWith("unshare"))).toBe(false);
  for (let i = 0; i < 200 && watch.alive().length > 0; i++) await sleep(25);
  expect(watch.alive()).toEqual([]);
});
