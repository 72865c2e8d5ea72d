/**
 * The repository config's `setup` commands (`npm ci`, …), run in order in the checkout before the
 * agent starts: inside the same sandbox as the agent (its namespaces, its network allowlist), each
 * one shown in the transcript as a command with its output. The first that fails ends the run, and
 * its output is what the status comment shows.
 */
import { spawn } from "node:child_process";
import type { EventInput } from "../../core/wire.js";
import { agentCommand, type CommandWrapper } from "../agents/agent-command.js";
import { processStopper } from "../agents/process-stopper.js";

export type SetupOptions = {
  commands: readonly string[];
  cwd: string;
  env: Record<string, string>;
  wrap?: CommandWrapper;
  signal: AbortSignal;
  emit: (e: EventInput) => void;
  warn?: (message: string) => void;
  /** Longest one command may run (default 20 min); the run's own time limit still applies. */
  timeoutMs?: number;
};

const DEFAULT_TIMEOUT_MS = 20 * 60_000;

/** Output kept per command: the end, where a failure usually says what went wrong. */
const OUTPUT_TAIL_CHARS = 32_000;
const KILL_GRACE_MS = 3_000;

/** Resolves null when every command succeeded, else why the first failing one failed (with output). */
export async function runSetupCommands(opts: SetupOptions): Promise<string | null> {
  for (const [i, command] of opts.commands.entries()) {
    if (opts.signal.aborted) return null; // the caller already knows why the run ended
    const callId = `setup-${i + 1}`;
    opts.emit({
      type: "tool_call",
      data: {
        callId,
        kind: "shell",
        name: "setup",
        command,
        description: `Setup command ${i + 1} of ${opts.commands.length} from .github/understudy.yml`,
        status: "running",
      },
    });
    const { code, output } = await runOne(command, opts);
    const failed = code !== 0;
    const shown = failed ? `Exit code ${code ?? "(killed)"}\n${output}` : output;
    opts.emit({ type: "tool_result", data: { callId, output: shown, isError: failed } });
    if (failed && !opts.signal.aborted) {
      const tail = output.trim().split("\n").slice(-40).join("\n");
      return `Setup command \`${command}\` failed (exit ${code ?? "killed"})${tail ? `:\n${tail}` : ""}`;
    }
  }
  return null;
}

function runOne(command: string, opts: SetupOptions): Promise<{ code: number | null; output: string }> {
  const { command: program, inNamespace } = agentCommand(
    { command: "/bin/sh", args: ["-c", command] },
    { ...(opts.wrap ? { wrap: opts.wrap } : {}), ...(opts.warn ? { warn: opts.warn } : {}) },
  );
  return new Promise((resolve) => {
    const child = spawn(program.command, program.args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const stopper = child.pid === undefined ? null : processStopper(child.pid, inNamespace);
    let output = "";
    const collect = (chunk: string) => {
      output = (output + chunk).slice(-OUTPUT_TAIL_CHARS);
    };
    // Decoded per stream, not per chunk: a pipe splits output anywhere, mid-character included.
    child.stdout.setEncoding("utf8").on("data", collect);
    child.stderr.setEncoding("utf8").on("data", collect);
    const onAbort = () => void stopper?.stop(KILL_GRACE_MS);
    opts.signal.addEventListener("abort", onAbort, { once: true });
    const limit = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(() => {
      output += `\n(stopped after ${Math.round(limit / 60_000)} min)`;
      void stopper?.stop(KILL_GRACE_MS);
    }, limit);
    const done = (code: number | null) => {
      clearTimeout(timer);
      opts.signal.removeEventListener("abort", onAbort);
      resolve({ code, output });
    };
    child.on("error", (err) => {
      output += `\n${err.message}`;
      if (child.pid === undefined) done(null);
    });
    child.on("exit", () => stopper?.exited());
    child.on("close", (code) => done(code));
  });
}
