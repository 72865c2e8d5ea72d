/**
 * Runs the pinned Claude Code CLI on one prompt in a checkout and turns its stream-json output into
 * wire events. The CLI is a native binary from the `@anthropic-ai/claude-code` package; it gets only
 * the environment the caller built (see {@link claudeCodeEnv}), never this process's.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { EventInput } from "../../core/wire.js";
import type { AgentOptions, AgentResult } from "./agent.js";
import { agentCommand } from "./agent-command.js";
import { mapClaudeStreamLine, parseClaudeResult } from "./claude-code-stream.js";
import { lineSplitter } from "./line-splitter.js";
import { processStopper } from "./process-stopper.js";

/** Time between SIGTERM and SIGKILL when a run is stopped. */
const KILL_GRACE_MS = 3_000;
/** After the CLI exits, how long to wait for its output pipes to drain before giving up on them. */
const DRAIN_GRACE_MS = 5_000;
const STDERR_TAIL_CHARS = 4_096;
/** A stream-json line longer than this is dropped: no event is worth holding that much in memory. */
const MAX_LINE_CHARS = 64 * 1024 * 1024;

/** Absolute path of the CLI binary that ships in the pinned npm package (no download at run time). */
export function claudeCodeBinary(): string {
  const pkg = createRequire(import.meta.url).resolve("@anthropic-ai/claude-code/package.json");
  return join(dirname(pkg), "bin", "claude.exe");
}

/**
 * The whole environment for a Claude Code run, following reference/README.md: no telemetry or
 * other non-essential traffic (so the model API is the only host it talks to), a HOME and TMPDIR of
 * the sandbox's own, and `IS_SANDBOX=1`, which `--dangerously-skip-permissions` requires as root.
 * Tests pass `maxRetries: 0`: otherwise an unreachable model API keeps the CLI retrying for minutes.
 */
export function claudeCodeEnv(base: {
  home: string;
  tmpdir: string;
  path: string;
  model: { baseUrl?: string; apiKey?: string };
  maxRetries?: number;
}): Record<string, string> {
  const env: Record<string, string> = {
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_TELEMETRY: "1",
    CLAUDE_CODE_MAX_RETRIES: String(base.maxRetries ?? 2),
    HOME: base.home,
    TMPDIR: base.tmpdir,
    PATH: base.path,
    IS_SANDBOX: "1",
    LANG: "C.UTF-8",
  };
  if (base.model.baseUrl) env.ANTHROPIC_BASE_URL = base.model.baseUrl;
  if (base.model.apiKey) env.ANTHROPIC_API_KEY = base.model.apiKey;
  return env;
}

/**
 * Runs `claude -p <prompt> --output-format stream-json --verbose --dangerously-skip-permissions` in
 * `opts.cwd` with exactly `opts.env`, calling `onEvent` for every mapped event in order. Resolves,
 * never rejects: success only when the CLI wrote a `result` line without `is_error` and exited 0.
 * The CLI runs as PID 1 of a PID namespace of its own, so when it exits, is stopped (the signal) or
 * crashes, nothing it started outlives the run: by the time this resolves every process is gone.
 * Where no namespace can be made it runs in a process group of its own instead, after `opts.warn`.
 * If `onEvent` throws, the run is stopped and reported as failed, since events after that would be lost.
 */
export function runClaudeCode(opts: AgentOptions, onEvent: (e: EventInput) => void): Promise<AgentResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  if (opts.signal?.aborted) {
    return Promise.resolve({
      success: false,
      error: "Stopped before Claude Code started",
      durationMs: 0,
      exitCode: null,
    });
  }
  const args = [
    "-p",
    opts.prompt,
    "--output-format",
    "stream-json",
    "--verbose",
    "--dangerously-skip-permissions",
  ];
  if (opts.model) args.push("--model", opts.model);
  if (opts.maxCostUsd !== undefined) args.push("--max-budget-usd", String(opts.maxCostUsd));

  const { command: launch, inNamespace } = agentCommand({ command: claudeCodeBinary(), args }, opts);
  const { command, args: argv } = launch;

  return new Promise<AgentResult>((resolve) => {
    // Detached: the CLI (or `unshare`) leads a process group, which a stop signals.
    const child = spawn(command, argv, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const stopper = child.pid === undefined ? null : processStopper(child.pid, inNamespace);
    let result: ReturnType<typeof parseClaudeResult> = null;
    let stderrTail = "";
    let stopReason: string | undefined;
    let spawnError: Error | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let settled = false;
    let handlerFailed = false;

    const stop = (reason: string) => {
      if (stopReason !== undefined) return;
      stopReason = reason;
      stopper?.terminate();
      killTimer = setTimeout(() => stopper?.kill(), KILL_GRACE_MS);
    };
    const onAbort = () => stop("Stopped: the run was aborted");
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    const handleLine = (text: string) => {
      if (text.trim() === "") return;
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch {
        return; // The CLI may print a plain-text warning on stdout; it is not part of the stream.
      }
      result = parseClaudeResult(obj) ?? result;
      for (const event of mapClaudeStreamLine(obj, { cwd: opts.cwd })) {
        if (handlerFailed) return;
        try {
          onEvent(event);
        } catch (err) {
          handlerFailed = true;
          stop(`Stopped: the event handler failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    };
    const lines = lineSplitter(handleLine, MAX_LINE_CHARS);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", lines.push);
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });

    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      lines.end();
      clearTimeout(killTimer);
      clearTimeout(drainTimer);
      opts.signal?.removeEventListener("abort", onAbort);
      resolve(outcome({ code, signal, result, stderrTail, stopReason, spawnError, durationMs: elapsed() }));
    };
    child.on("error", (err) => {
      spawnError = err;
      // A failed spawn never exits; 'close' may not come either.
      if (child.pid === undefined) finish(null, null);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(killTimer); // the pid may be reused from now on
      stopper?.exited();
      // 'close' follows once the pipes drain; without a namespace a leftover could hold them open.
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, signal);
      }, DRAIN_GRACE_MS);
    });
    child.on("close", (code, signal) => finish(code, signal));
  });
}

function outcome(o: {
  code: number | null;
  signal: NodeJS.Signals | null;
  result: ReturnType<typeof parseClaudeResult>;
  stderrTail: string;
  stopReason: string | undefined;
  spawnError: Error | undefined;
  durationMs: number;
}): AgentResult {
  const base = { durationMs: o.durationMs, exitCode: o.code };
  const stderr = o.stderrTail.trim() ? `\n${o.stderrTail.trim()}` : "";
  if (o.spawnError)
    return { ...base, success: false, error: `Could not start Claude Code: ${o.spawnError.message}` };
  if (o.stopReason) return { ...base, success: false, error: o.stopReason, summary: o.result?.summary };
  const how = o.signal ? `was killed by ${o.signal}` : `exited with code ${o.code}`;
  if (!o.result) return { ...base, success: false, error: `Claude Code ${how} without a result${stderr}` };
  if (!o.result.success) return { ...base, success: false, error: o.result.error };
  if (o.code !== 0) {
    return {
      ...base,
      success: false,
      summary: o.result.summary,
      error: `Claude Code ${how} after reporting success${stderr}`,
    };
  }
  return { ...base, success: true, summary: o.result.summary };
}
