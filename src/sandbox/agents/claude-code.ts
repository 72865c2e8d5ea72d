/**
 * Runs the pinned Claude Code CLI on one prompt in a checkout and turns its stream-json output into
 * wire events. The CLI is a native binary from the `@anthropic-ai/claude-code` package; it gets only
 * the environment the caller built (see {@link claudeCodeEnv}), never this process's.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { EventInput } from "../../core/wire.js";
import type { AgentOptions, AgentResult } from "./agent.js";
import { mapClaudeStreamLine, parseClaudeResult } from "./claude-code-stream.js";

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
 * The CLI runs in its own process group, so a stop (the signal) and the end of the run both take
 * down whatever it started. If `onEvent` throws, the run is stopped and reported as failed, since
 * events after that would be lost.
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

  return new Promise<AgentResult>((resolve) => {
    const child = spawn(claudeCodeBinary(), args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let result: ReturnType<typeof parseClaudeResult> = null;
    let stderrTail = "";
    let stopReason: string | undefined;
    let spawnError: Error | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let settled = false;
    let handlerFailed = false;

    // The CLI starts each Bash tool command in a session of its own (setsid), so signalling our
    // process group does not reach those. On a stop, remember the whole tree, so the final SIGKILL
    // also reaches commands the CLI left behind when it went down.
    let stopTree: ProcessRef[] = [];
    const killAll = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      signalGroup(child.pid, signal);
      if (signal !== "SIGKILL") return;
      for (const proc of [...stopTree, ...processTree(child.pid)]) signalProcess(proc, signal);
    };
    const stop = (reason: string) => {
      if (stopReason !== undefined) return;
      stopReason = reason;
      if (child.pid !== undefined) stopTree = processTree(child.pid);
      killAll("SIGTERM");
      killTimer = setTimeout(() => killAll("SIGKILL"), KILL_GRACE_MS);
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
      for (const event of mapClaudeStreamLine(obj)) {
        if (handlerFailed) return;
        try {
          onEvent(event);
        } catch (err) {
          handlerFailed = true;
          stop(`Stopped: the event handler failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    };
    const lines = lineSplitter(handleLine);
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
      // Whatever is left in the group goes with the CLI; after a stop, so does the rest of its tree.
      if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
      if (stopReason !== undefined) for (const proc of stopTree) signalProcess(proc, "SIGKILL");
      // 'close' follows once the pipes drain; a leftover that escaped the group could hold them open.
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

/** A process as found in /proc: the start time tells a process from a later one given the same pid. */
type ProcessRef = { pid: number; startTime: string };

/** Reads pid, parent pid and start time from /proc/<pid>/stat; null if it is gone or unreadable. */
function readStat(pid: number): { ppid: number; startTime: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name (which may hold spaces): state ppid … starttime (22nd).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), startTime: fields[19] ?? "" };
  } catch {
    return null;
  }
}

/** `root` and every descendant, from /proc. Empty where there is no /proc (the group signal remains). */
function processTree(root: number): ProcessRef[] {
  let pids: number[];
  try {
    pids = readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
  const children = new Map<number, ProcessRef[]>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (!stat) continue;
    const siblings = children.get(stat.ppid) ?? [];
    siblings.push({ pid, startTime: stat.startTime });
    children.set(stat.ppid, siblings);
  }
  const rootStat = readStat(root);
  const tree: ProcessRef[] = rootStat ? [{ pid: root, startTime: rootStat.startTime }] : [];
  // Breadth-first; bounded by the number of processes read above.
  for (let i = 0; i < tree.length && i < pids.length; i++) {
    tree.push(...(children.get(tree[i]!.pid) ?? []));
  }
  return tree;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Signals the process only if its pid still belongs to it: pids are reused. */
function signalProcess(proc: ProcessRef, signal: NodeJS.Signals): void {
  if (readStat(proc.pid)?.startTime !== proc.startTime) return;
  try {
    process.kill(proc.pid, signal);
  } catch {
    // Gone between the check and the signal.
  }
}

/** Feeds complete lines to `onLine` as chunks arrive; a line cut across chunks is held until its end. */
function lineSplitter(onLine: (line: string) => void): { push: (chunk: string) => void; end: () => void } {
  let pending = "";
  let skipping = false;
  return {
    push: (chunk) => {
      const parts = chunk.split("\n");
      const last = parts.pop() ?? "";
      for (const part of parts) {
        if (!skipping) onLine(pending + part);
        pending = "";
        skipping = false;
      }
      if (skipping) return;
      pending += last;
      if (pending.length > MAX_LINE_CHARS) {
        pending = "";
        skipping = true;
      }
    },
    end: () => {
      if (!skipping && pending) onLine(pending);
      pending = "";
    },
  };
}
