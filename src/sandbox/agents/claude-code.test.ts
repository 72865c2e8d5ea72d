/**
 * The real Claude Code CLI (the pinned native binary) against the scripted model server, offline.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  type ProcessWatch,
  type SeenProcess,
  watchProcesses,
} from "../../../test/support/agents/watch-processes.js";
import type { EventInput } from "../../core/wire.js";
import {
  bashScript,
  contributingScript,
  failingScript,
  type ModelScript,
  type ModelServer,
  startModelServer,
} from "../../demo/model-server.js";
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
    // Agent-neutral calls, the written file's path relative to the checkout the run was given.
    expect(calls.map((c) => [c.kind, c.path])).toEqual([
      ["shell", undefined],
      ["write", "CONTRIBUTING.md"],
      ["shell", undefined],
    ]);
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

  it("stops the whole process tree when aborted, a setsid daemon included", async () => {
    const controller = new AbortController();
    const mark = marker();
    const w = watch();
    const { result, server } = await run(
      // 2.1.330 refuses a bare `sleep 30` ("Blocked: standalone sleep"), hence the compound command.
      bashScript(`${daemon(mark)} exec sleep 30`),
      { signal: controller.signal },
      (e) => {
        if (e.type !== "tool_call") return;
        void (async () => {
          await until(() => w.seen().some(isDaemon(mark)), "the daemon");
          controller.abort();
        })();
      },
    );
    w.stop();

    expect(result).toMatchObject({ success: false, error: "Stopped: the run was aborted" });
    expect(server.unexpected).toEqual([]);
    expect(w.seen().some(isDaemon(mark))).toBe(true);
    // Checked at once: the run resolves only after its namespace is empty.
    expect(w.alive()).toEqual([]);
  });

  it("leaves no process behind when the CLI ends by itself, a setsid daemon included", async () => {
    const mark = marker();
    const w = watch();
    const { result, events } = await run(bashScript(`${daemon(mark)} sleep 0.3; echo started`));
    w.stop();

    expect(result).toMatchObject({ success: true, exitCode: 0 });
    const outputs = events.flatMap((e) => (e.type === "tool_result" ? [e.data.output] : []));
    expect(outputs).toEqual(["started"]);
    expect(w.seen().some(isDaemon(mark))).toBe(true);
    expect(w.alive()).toEqual([]);
  });

  it("shows the agent's commands only the agent's own processes, and /proc stays private", async () => {
    const { result, events } = await run(
      bashScript(
        "ls /proc | grep -c '^[0-9]' ; umount /proc 2>/dev/null && echo unmounted ; " +
          `test -e /proc/${process.pid} && echo host-visible ; cat /proc/1/cmdline | tr '\\0' ' '`,
      ),
    );
    expect(result.success).toBe(true);
    const output = events.flatMap((e) => (e.type === "tool_result" ? [e.data.output] : [])).join("\n");
    const [count, ...rest] = output.trim().split("\n");
    // The CLI, its shell, ls and grep: nothing of the host.
    expect(Number(count)).toBeLessThan(10);
    expect(rest).toEqual([expect.stringMatching(/claude\.exe -p /)]);
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

const marker = () => `understudy-daemon-${randomBytes(6).toString("hex")}`;
/** A background loop that leaves the CLI's process group and session; `mark` names it in /proc. */
const daemon = (mark: string) =>
  `setsid nohup sh -c 'while :; do sleep 0.05; done' ${mark} >/dev/null 2>&1 &`;
const isDaemon = (mark: string) => (p: SeenProcess) =>
  p.cmdline === `sh -c while :; do sleep 0.05; done ${mark}`;

const watches: ProcessWatch[] = [];
afterEach(() => {
  for (const w of watches.splice(0)) w.stop();
});
function watch(): ProcessWatch {
  const w = watchProcesses(process.pid);
  watches.push(w);
  return w;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

it("refuses a conversation id to resume that is not a UUID, before it starts anything", async () => {
  const result = await runClaudeCode({ prompt: "Go on", cwd: tmpdir(), env: {}, resume: "--help" }, () => {
    throw new Error("no event expected");
  });
  expect(result).toMatchObject({ success: false, error: "Not a conversation id to resume", exitCode: null });
});
