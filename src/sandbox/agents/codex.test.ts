/**
 * The real Codex CLI (the pinned native binary) against the scripted Responses API server, offline.
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
import { loopbackEndpoints, parseHostRule, ruleForUrl } from "../../core/host-allowlist.js";
import type { EventInput } from "../../core/wire.js";
import {
  addFilePatch,
  execCommandScript,
  failingResponsesScript,
  type ResponsesScript,
  type ResponsesServer,
  startResponsesServer,
} from "../../demo/responses-server.js";
import { agentPackageDirs } from "../isolation/agent-package-dirs.js";
import { bubblewrapCommand, proxyEnv } from "../isolation/bubblewrap.js";
import { startNetworkProxy } from "../isolation/network-proxy.js";
import type { AgentOptions, AgentResult } from "./agent.js";
import { codexConfigToml, codexEnv, DEFAULT_CODEX_MODEL, runCodex } from "./codex.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.unstubAllEnvs();
});

type Run = {
  root: string;
  repo: string;
  env: Record<string, string>;
  server: ResponsesServer;
  events: EventInput[];
  result: AgentResult;
};

/** A temp git repository with one commit, a HOME and a TMPDIR of its own, and a model server. */
async function setUp(script: ResponsesScript) {
  const root = mkdtempSync(join(tmpdir(), "understudy-codex-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const repo = join(root, "repo");
  for (const dir of [repo, join(root, "home"), join(root, "tmp")]) mkdirSync(dir);
  writeFileSync(join(repo, "README.md"), "# demo\n");
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], {
      cwd: repo,
      stdio: "ignore",
    });
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("commit", "-q", "-m", "Initial commit");
  const server = await startResponsesServer(script);
  cleanups.push(() => server.close());
  const env = codexEnv({
    home: join(root, "home"),
    tmpdir: join(root, "tmp"),
    path: process.env.PATH ?? "/usr/bin:/bin",
    model: { baseUrl: server.url, apiKey: "test-key" },
    maxRetries: 0,
  });
  return { root, repo, server, env };
}

async function run(
  script: ResponsesScript,
  opts: Partial<AgentOptions> = {},
  onEvent?: (e: EventInput) => void,
): Promise<Run> {
  const { root, repo, server, env } = await setUp(script);
  const events: EventInput[] = [];
  const result = await runCodex({ prompt: "Write the notes", cwd: repo, env, ...opts }, (e) => {
    events.push(e);
    onEvent?.(e);
  });
  return { root, repo, env, server, events, result };
}

const NOTES = "# Notes\n\nWritten by the scripted model.\n";

/** Writes NOTES.md with apply_patch, shows it with a command, then answers. */
const notesScript: ResponsesScript = ({ turn }) => {
  switch (turn) {
    case 0:
      return {
        items: [
          { type: "text", text: "I'll write the notes." },
          { type: "apply_patch", patch: addFilePatch("NOTES.md", NOTES) },
        ],
      };
    case 1:
      return { items: [{ type: "exec_command", cmd: "cat NOTES.md && git status --short" }] };
    default:
      return { items: [{ type: "text", text: "Add NOTES.md\n\nThe notes say who wrote them." }] };
  }
};

describe("runCodex with the real CLI", () => {
  it("writes a file with apply_patch, runs a command, and ends with a summary", async () => {
    const { repo, server, events, result } = await run(notesScript);

    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({
      success: true,
      exitCode: 0,
      summary: "Add NOTES.md\n\nThe notes say who wrote them.",
    });
    expect(readFileSync(join(repo, "NOTES.md"), "utf8")).toBe(NOTES);

    expect(events.map((e) => e.type)).toEqual([
      "assistant_text",
      "tool_call",
      "tool_result",
      "tool_call",
      "tool_result",
      "assistant_text",
      "step_finish",
    ]);
    const calls = events.flatMap((e) => (e.type === "tool_call" ? [e.data] : []));
    // Agent-neutral calls: the file relative to the checkout, the command as the model wrote it.
    expect(calls.map((c) => [c.kind, c.path, c.command])).toEqual([
      ["write", "NOTES.md", undefined],
      ["shell", undefined, "cat NOTES.md && git status --short"],
    ]);
    const outputs = events.flatMap((e) => (e.type === "tool_result" ? [e.data] : []));
    expect(outputs[0]).toMatchObject({ output: "Added NOTES.md", isError: false });
    expect(outputs[1]).toMatchObject({ output: `${NOTES}?? NOTES.md\n`, isError: false });
    expect(events.at(-1)).toMatchObject({ type: "step_finish", data: { costUsd: 0 } });

    // The model saw what the tools did: the patch applied, the file's text.
    expect(server.requests.map((r) => r.turn)).toEqual([0, 1, 2]);
    expect(server.requests.every((r) => r.stream && r.cwd === repo)).toBe(true);
    expect(server.requests.map((r) => (r.body as { model?: string }).model)).toEqual(
      Array(3).fill(DEFAULT_CODEX_MODEL),
    );
    expect(server.requests[0]?.headers.authorization).toBe("Bearer test-key");
    expect(server.unexpected).toEqual([]);
  });

  it("reaches no host but the model API", async () => {
    const { repo, env, server } = await setUp(execCommandScript("true"));
    // Codex honours HTTPS_PROXY: every other host it reached for would be a CONNECT to the stand-in,
    // recorded as unexpected (with Codex's default config: github.com, api.github.com, chatgpt.com
    // and ab.chatgpt.com).
    const proxy = new URL(server.url).origin;
    const proxied = { ...env, HTTPS_PROXY: proxy, HTTP_PROXY: proxy, NO_PROXY: "127.0.0.1" };
    const result = await runCodex({ prompt: "x", cwd: repo, env: proxied }, () => {});

    expect(result.success).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(server.unexpected).toEqual([]);
  });

  // bwrap is there: test/support/global-setup.ts installs it when missing.
  it("runs inside the bridge's bubblewrap sandbox, reaching its model API through the proxy", async () => {
    const { root, repo, env, server } = await setUp(
      // curl's complaint goes to stdout (2>&1 before >/dev/null): Codex reads stdout and stderr on
      // separate pipes, so two streams would interleave in either order.
      execCommandScript("cat README.md; curl -sS -m 5 https://example.com 2>&1 >/dev/null; echo curl=$?"),
    );
    const rules = [parseHostRule(ruleForUrl(server.url))];
    const socketPath = join(root, "proxy.sock");
    const blocked: string[] = [];
    const proxy = await startNetworkProxy({
      socketPath,
      rules,
      // The model server is the operator's: reached on loopback as named.
      trusted: rules,
      onBlocked: ({ host, port }) => blocked.push(`${host}:${port}`),
    });
    cleanups.push(() => proxy.close());
    const layout = {
      workspace: repo,
      home: env.HOME!,
      tmp: env.TMPDIR!,
      readOnly: agentPackageDirs(),
      network: { socketPath, forwards: loopbackEndpoints(rules) },
    };
    const events: EventInput[] = [];
    const result = await runCodex(
      {
        prompt: "x",
        cwd: repo,
        env: { ...env, ...proxyEnv() },
        wrap: (cmd) => bubblewrapCommand(layout, cmd),
      },
      (e) => events.push(e),
    );

    expect(result).toMatchObject({ success: true, exitCode: 0 });
    const output = events.flatMap((e) => (e.type === "tool_result" ? [e.data.output] : [])).join("");
    expect(output).toBe("# demo\ncurl: (56) CONNECT tunnel failed, response 403\ncurl=56\n");
    // The agent's own command was refused; the CLI itself asked for nothing but the model API.
    expect(blocked).toEqual(["example.com:443"]);
    expect(server.requests).toHaveLength(2);
    expect(server.unexpected).toEqual([]);
  });

  it("reports a failing model API as a failed run in plain words, at once", async () => {
    const started = Date.now();
    const { server, events, result } = await run(failingResponsesScript(500, "Internal server error"));

    expect(result.success).toBe(false);
    expect(result.error).toBe("We’re currently experiencing high demand, which may cause temporary errors.");
    expect(result.summary).toBeUndefined();
    expect(events).toEqual([{ type: "error", data: { message: result.error } }]);
    // request_max_retries = 0: one request, no backoff.
    expect(server.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(server.unexpected).toEqual([]);
  });

  it("reports an unreachable model API as a failed run instead of retrying forever", async () => {
    const { repo, env, server } = await setUp(notesScript);
    await server.close();
    const events: EventInput[] = [];
    const result = await runCodex({ prompt: "x", cwd: repo, env }, (e) => events.push(e));

    expect(result).toMatchObject({ success: false, error: "Connection failed: error sending request" });
    expect(events.filter((e) => e.type === "error")).toHaveLength(1);
  });

  it("stops the whole process tree when aborted, a setsid daemon included", async () => {
    const controller = new AbortController();
    const mark = marker();
    const w = watch();
    const { result, server } = await run(
      execCommandScript(`${daemon(mark)} exec sleep 30`),
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
    const { result, events } = await run(execCommandScript(`${daemon(mark)} sleep 0.3; echo started`));
    w.stop();

    expect(result).toMatchObject({ success: true, exitCode: 0 });
    const outputs = events.flatMap((e) => (e.type === "tool_result" ? [e.data.output] : []));
    expect(outputs).toEqual(["started\n"]);
    expect(w.seen().some(isDaemon(mark))).toBe(true);
    expect(w.alive()).toEqual([]);
  });

  it("runs the CLI with exactly codexEnv's environment, and keeps the API key from its commands", async () => {
    vi.stubEnv("UNDERSTUDY_LEAK_CANARY", "canary-value");
    // In its PID namespace the CLI is PID 1, so /proc/1/environ is the environment it was started with.
    const { events, result, env } = await run(
      execCommandScript("tr '\\0' '\\n' < /proc/1/environ | sort; echo ---; env | sort"),
    );

    expect(result.success).toBe(true);
    const output = events.flatMap((e) => (e.type === "tool_result" ? [e.data.output] : [])).join("\n");
    const [cli = "", commands = ""] = output.split("\n---\n");
    const expected = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    expect(cli.trim().split("\n")).toEqual(expected.sort());
    expect(commands).toContain(`CODEX_HOME=${env.CODEX_HOME}`);
    expect(commands).toContain(`TMPDIR=${env.TMPDIR}`);
    expect(commands).not.toContain("OPENAI_API_KEY");
    expect(output).not.toContain("canary-value");
  });

  it("asks the model API for the model the run names, and writes its config in CODEX_HOME", async () => {
    const { result, server, env } = await run(execCommandScript("true"), { model: "gpt-5.5-stand-in" });

    expect(result.success).toBe(true);
    expect(server.requests.map((r) => (r.body as { model?: string }).model)).toEqual([
      "gpt-5.5-stand-in",
      "gpt-5.5-stand-in",
    ]);
    const config = readFileSync(join(env.CODEX_HOME!, "config.toml"), "utf8");
    expect(config).toBe(codexConfigToml(env, "gpt-5.5-stand-in"));
    expect(config).toContain(`base_url = "${server.url}"`);
  });

  it("fails clearly when the binary cannot run in the given directory", async () => {
    const root = mkdtempSync(join(tmpdir(), "understudy-codex-"));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const env = codexEnv({ home: root, tmpdir: root, path: "/usr/bin:/bin", model: {} });
    const result = await runCodex({ prompt: "x", cwd: join(root, "no-such-dir"), env }, () => {});
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/^Could not start Codex: /);
  });

  it("does not start without a CODEX_HOME, nor when already aborted", async () => {
    const noHome = await runCodex({ prompt: "x", cwd: tmpdir(), env: {} }, () => {});
    expect(noHome).toMatchObject({
      success: false,
      error: "Could not start Codex: its environment has no CODEX_HOME (build it with codexEnv)",
      exitCode: null,
    });
    const aborted = await runCodex(
      { prompt: "x", cwd: tmpdir(), env: {}, signal: AbortSignal.abort() },
      () => {},
    );
    expect(aborted).toMatchObject({ success: false, error: "Stopped before Codex started", exitCode: null });
  });
});

describe("codexConfigToml", () => {
  it("points Codex at the environment's model API, retries as asked, with no other traffic", () => {
    const env = codexEnv({
      home: "/sandbox/home",
      tmpdir: "/sandbox/tmp",
      path: "/usr/bin",
      model: { baseUrl: 'http://127.0.0.1:1234/v1?x="y"', apiKey: "k" },
      maxRetries: 0,
    });
    expect(env).toEqual({
      HOME: "/sandbox/home",
      TMPDIR: "/sandbox/tmp",
      PATH: "/usr/bin",
      CODEX_HOME: "/sandbox/home/.codex",
      LANG: "C.UTF-8",
      OPENAI_BASE_URL: 'http://127.0.0.1:1234/v1?x="y"',
      OPENAI_API_KEY: "k",
      UNDERSTUDY_CODEX_MAX_RETRIES: "0",
    });
    const config = codexConfigToml(env, "gpt-5.5");
    expect(config).toContain('base_url = "http://127.0.0.1:1234/v1?x=\\"y\\""');
    expect(config).toContain('env_key = "OPENAI_API_KEY"');
    expect(config).toContain("request_max_retries = 0\nstream_max_retries = 0");
    expect(config).toContain("[analytics]\nenabled = false");
    expect(config).toContain("plugins = false\nunbounded_connection_retries = false");
  });

  it("defaults to OpenAI's API with two retries, and sends no key when there is none", () => {
    const env = codexEnv({ home: "/h", tmpdir: "/t", path: "/usr/bin", model: {} });
    const config = codexConfigToml(env, "gpt-5.5");
    expect(config).toContain('base_url = "https://api.openai.com/v1"');
    expect(config).not.toContain("env_key");
    expect(config).toContain("request_max_retries = 2");
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

it("refuses to continue an earlier conversation, before it starts anything", async () => {
  const result = await runCodex(
    { prompt: "Go on", cwd: tmpdir(), env: {}, resume: "01a242b2-36f7-7a90-b119-db4092b1304d" },
    () => {
      throw new Error("no event expected");
    },
  );
  expect(result).toMatchObject({ success: false, exitCode: null });
  expect(result.error).toContain("does not continue");
});
