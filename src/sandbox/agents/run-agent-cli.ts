/**
 * The process handling every agent runner shares: spawn the CLI (through agentCommand, so it is
 * isolated as the bridge asks), turn its stdout's JSON lines into wire events, stop it on the abort
 * signal (SIGTERM, then SIGKILL after a grace), and resolve, never reject, with how it ended. A runner
 * (claude-code.ts, codex.ts) supplies only its command line, its line mapping and its result.
 */
import { spawn } from "node:child_process";
import type { EventInput } from "../../core/wire.js";
import type { AgentOptions, AgentResult } from "./agent.js";
import { agentCommand, type Command } from "./agent-command.js";
import { lineSplitter } from "./line-splitter.js";
import { groupEmptied, processStopper } from "./process-stopper.js";

/** Time between SIGTERM and SIGKILL when a run is stopped. */
const KILL_GRACE_MS = 3_000;
/** After the CLI exits, how long to wait for its output pipes to drain before giving up on them. */
const DRAIN_GRACE_MS = 5_000;
/** After the exit and its SIGKILL to the group, how long to wait for the namespace to be empty. */
const EMPTY_WAIT_MS = 5_000;
const STDERR_TAIL_CHARS = 4_096;
/** A JSON line longer than this is dropped: no event is worth holding that much in memory. */
const MAX_LINE_CHARS = 64 * 1024 * 1024;

/** How the CLI's own stream said the run ended. */
export type CliResult = { success: boolean; summary?: string; error?: string };

export type AgentCli = {
  /** The agent's name in messages ("Claude Code"). */
  name: string;
  /** The CLI's command line, before isolation. */
  command: Command;
  cwd: string;
  /** One parsed stdout line → the wire events it stands for (often none). */
  mapLine(obj: unknown): EventInput[];
  /** The ending the stream reported so far, or null. */
  result(): CliResult | null;
  /** What a run that exited without a result "did not" do, for the error ("write a result"). */
  missingResult: string;
  /** Stderr lines that say nothing about a failure (dropped from error messages). */
  noise?: (line: string) => boolean;
  /** The conversation id the stream reported so far (checked as agent.ts's ConversationId), if any. */
  conversationId?: () => string | undefined;
};

/**
 * Runs `cli` with exactly `opts.env`, calling `onEvent` for every mapped event in order. Success only
 * when the stream reported success and the CLI exited 0. If `onEvent` throws, the run is stopped and
 * reported as failed, since events after that would be lost. In a PID namespace (or the bridge's
 * wrap), nothing the CLI started outlives it by the time this resolves.
 */
export function runAgentCli(
  opts: AgentOptions,
  cli: AgentCli,
  onEvent: (e: EventInput) => void,
  started: number,
): Promise<AgentResult> {
  const elapsed = () => Math.round(performance.now() - started);
  const { command: launch, inNamespace } = agentCommand(cli.command, opts);

  return new Promise<AgentResult>((resolve) => {
    // Detached: the CLI (or its wrapper) leads a process group, which a stop signals.
    const child = spawn(launch.command, launch.args, {
      cwd: cli.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const stopper = child.pid === undefined ? null : processStopper(child.pid, inNamespace);
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
        return; // A plain-text line on stdout (a warning) is not part of the stream.
      }
      for (const event of cli.mapLine(obj)) {
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
      const stderr = stderrTail
        .split("\n")
        .filter((line) => !cli.noise?.(line))
        .join("\n")
        .trim();
      const ended = outcome(cli, {
        code,
        signal,
        result: cli.result(),
        stderr,
        stopReason,
        spawnError,
        durationMs: elapsed(),
      });
      // The caller commits the checkout next: nothing the agent started may still be writing to
      // it, or holding git's index lock (bubblewrap exits before its namespace is empty).
      const pgid = child.pid;
      if (!inNamespace || pgid === undefined) resolve(ended);
      else void groupEmptied(pgid, EMPTY_WAIT_MS).then(() => resolve(ended));
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

function outcome(
  cli: AgentCli,
  o: {
    code: number | null;
    signal: NodeJS.Signals | null;
    result: CliResult | null;
    stderr: string;
    stopReason: string | undefined;
    spawnError: Error | undefined;
    durationMs: number;
  },
): AgentResult {
  const conversationId = cli.conversationId?.();
  // Whatever the ending: a conversation that was started exists, and a later run can continue it.
  const base = { durationMs: o.durationMs, exitCode: o.code, ...(conversationId ? { conversationId } : {}) };
  const stderr = o.stderr ? `\n${o.stderr}` : "";
  if (o.spawnError)
    return { ...base, success: false, error: `Could not start ${cli.name}: ${o.spawnError.message}` };
  if (o.stopReason) return { ...base, success: false, error: o.stopReason, summary: o.result?.summary };
  const how = o.signal ? `was killed by ${o.signal}` : `exited with code ${o.code}`;
  if (!o.result)
    return { ...base, success: false, error: `${cli.name} ${how} without ${cli.missingResult}${stderr}` };
  if (!o.result.success) return { ...base, success: false, error: o.result.error };
  if (o.code !== 0) {
    return {
      ...base,
      success: false,
      summary: o.result.summary,
      error: `${cli.name} ${how} after reporting success${stderr}`,
    };
  }
  return { ...base, success: true, summary: o.result.summary };
}
