/**
 * The real Claude Code CLI (the pinned native binary) against the scripted model server, offline.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  bashScript,
  contributingScript,
  failingScript,
  type ModelScript,
  type ModelServer,
  startModelServer,
} from "../../../test/support/model-server.js";
import type { EventInput } from "../../core/wire.js";
import type { AgentOptions, AgentResult } from "./agent.js";
import { claudeCodeEnv, runClaudeCode } from "./claude-code.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.unstubAllEnvs();
});

type Run = { root: string; repo: string; server: ModelServer; events: EventInput[]; result: AgentResult };

/** A temp git repository with one commit, a HOME and a TMPDIR of its own, and a model server. */
async function setUp(script: ModelScript) {
  const root = mkdtempSync(join(tmpdir(), "understudy-claude-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const repo = join(root, "repo");
  for (const dir of [repo, join(root, "home"), join(root, "tmp")]) mkdirSync(dir);
  writeFileSync(
    join(repo, "package.json"),
    `${JSON.stringify({ name: "demo", version: "1.0.0", scripts: { test: "node --test" } }, null, 2)}\n`,
  );
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], {
      cwd: repo,
      stdio: "ignore",
    });
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("commit", "-q", "-m", "Initial commit");
  const server = await startModelServer(script);
  cleanups.push(() => server.close());
  const env = claudeCodeEnv({
    home: join(root, "home"),
    tmpdir: join(root, "tmp"),
    path: process.env.PATH ?? "/usr/bin:/bin",
    model: { baseUrl: server.url, apiKey: "test-key" },
    maxRetries: 0,
  });
  return { root, repo, server, env };
}

async function run(
  script: ModelScript,
  opts: Partial<AgentOptions> = {},
  onEvent?: (e: EventInput, ctx: { root: string }) => void,
): Promise<Run> {
  const { root, repo, server, env } = await setUp(script);
  const events: EventInput[] = [];
  const result = await runClaudeCode(
    { prompt: "Document how to run the tests", cwd: repo, env, ...opts },
    (e) => {
      events.push(e);
      onEvent?.(e, { root });
    },
  );
  return { root, repo, server, events, result };
}

describe("runClaudeCode with the real CLI", () => {
  it("does the contributing task: writes the file, reports every step, ends with a summary", async () => {
    const { repo, server, events, result } = await run(contributingScript());

    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ success: true, exitCode: 0 });
    expect(result.summary?.split("\n")[0]).toBe(
      "Add CONTRIBUTING.md with instructions for running the tests",
    );

    const contributing = readFileSync(join(repo, "CONTRIBUTING.md"), "utf8");
    expect(contributing).toContain("npm install");
    expect(contributing).toContain("npm test");

    expect(events[0]).toEqual({
      type: "assistant_text",
      data: { text: "I'll look at how this project runs its tests." },
    });
    const calls = events.flatMap((e) => (e.type === "tool_call" ? [e.data] : []));
    expect(calls.map((c) => c.tool)).toEqual(["Bash", "Write", "Bash"]);
    for (const call of calls) {
      const callAt = events.findIndex((e) => e.type === "tool_call" && e.data.callId === call.callId);
      const resultAt = events.findIndex((e) => e.type === "tool_result" && e.data.callId === call.callId);
      expect(resultAt).toBe(callAt + 1);
    }
    const outputs = events.flatMap((e) => (e.type === "tool_result" ? [e.data] : []));
    expect(outputs[0]?.output).toContain('"test": "node --test"');
    expect(outputs[2]).toMatchObject({ output: "?? CONTRIBUTING.md", isError: false });
    expect(events.at(-1)?.type).toBe("step_finish");

    expect(server.requests.map((r) => r.turn)).toEqual([0, 1, 2, 3]);
    expect(server.requests.every((r) => r.stream && r.cwd === repo)).toBe(true);
    expect(server.unexpected).toEqual([]);
  });

  it("reports a failing model API as a failed run with the API's error", async () => {
    const { server, events, result } = await run(failingScript(500, "Internal server error"));

    expect(result.success).toBe(false);
    expect(result.error).toMatch(/^API Error: 500 Internal server error/);
    expect(result.summary).toBeUndefined();
    expect(events.some((e) => e.type === "error" && e.data.message.startsWith("API Error: 500"))).toBe(true);
    expect(events.some((e) => e.type === "assistant_text")).toBe(false);
    // CLAUDE_CODE_MAX_RETRIES=0: one request, no retry.
    expect(server.requests).toHaveLength(1);
    expect(server.unexpected).toEqual([]);
  });

  it("reports an unreachable model API as a failed run", async () => {
    const { repo, env, server } = await setUp(contributingScript());
    await server.close();
    const events: EventInput[] = [];
    const result = await runClaudeCode({ prompt: "x", cwd: repo, env }, (e) => events.push(e));

    expect(result.success).toBe(false);
    expect(result.error).toMatch(/^API Error: Connection refused/);
    expect(events.some((e) => e.type === "error" && e.data.message.includes("ECONNREFUSED"))).toBe(true);
  });

  it("stops the whole process tree when aborted", async () => {
    const controller = new AbortController();
    const pidFile = (root: string) => join(root, "tmp", "sleep.pid");
    let root = "";
    const { result, server } = await run(
      // 2.1.330 refuses a bare `sleep 30` ("Blocked: standalone sleep"), so the shell records its
      // pid first and then becomes the sleep. $TMPDIR is the run's own, so the test can find the file.
      bashScript('echo $$ > "$TMPDIR/sleep.pid"; exec sleep 30'),
      { signal: controller.signal },
      (e, ctx) => {
        root = ctx.root;
        if (e.type !== "tool_call") return;
        void (async () => {
          // Bounded wait for the agent's shell to start the sleep, then stop the run.
          for (let i = 0; i < 400 && !existsSync(pidFile(ctx.root)); i++) await sleep(25);
          controller.abort();
        })();
      },
    );

    expect(result).toMatchObject({ success: false, error: "Stopped: the run was aborted" });
    expect(server.unexpected).toEqual([]);
    const sleepPid = Number(readFileSync(pidFile(root), "utf8").trim());
    expect(sleepPid).toBeGreaterThan(0);
    expect(await exited(sleepPid)).toBe(true);
  });

  it("gives the agent exactly the environment it was given, and the model asked for", async () => {
    vi.stubEnv("UNDERSTUDY_LEAK_CANARY", "canary-value");
    const { events, result, server } = await run(bashScript("env"), { model: "claude-stand-in-model" });

    expect(result.success).toBe(true);
    expect(server.requests.map((r) => (r.body as { model?: string }).model)).toEqual([
      "claude-stand-in-model",
      "claude-stand-in-model",
    ]);
    const output = events.flatMap((e) => (e.type === "tool_result" ? [e.data.output] : [])).join("\n");
    expect(output).toContain("IS_SANDBOX=1");
    expect(output).not.toContain("canary-value");
  });

  it("fails clearly when the binary cannot run in the given directory", async () => {
    const result = await runClaudeCode(
      { prompt: "x", cwd: join(tmpdir(), "understudy-no-such-dir", String(process.pid)), env: {} },
      () => {},
    );
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/^Could not start Claude Code: /);
  });

  it("does not start when already aborted", async () => {
    const result = await runClaudeCode(
      { prompt: "x", cwd: tmpdir(), env: {}, signal: AbortSignal.abort() },
      () => {},
    );
    expect(result).toEqual({
      success: false,
      error: "Stopped before Claude Code started",
      durationMs: 0,
      exitCode: null,
    });
  });
});

/** True once the process is gone or a zombie (a container's init may reap it late). Bounded. */
async function exited(pid: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return true;
    }
    // Field 3, after the parenthesised command name, is the state.
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return true;
    await sleep(25);
  }
  return false;
}
