/**
 * Runs the pinned Claude Code CLI on one prompt in a checkout and turns its stream-json output into
 * wire events. The CLI is a native binary from the `@anthropic-ai/claude-code` package; it gets only
 * the environment the caller built (see {@link claudeCodeEnv}), never this process's.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { EventInput } from "../../core/wire.js";
import { type AgentOptions, type AgentResult, ConversationId } from "./agent.js";
import { mapClaudeStreamLine, parseClaudeResult, parseClaudeSessionId } from "./claude-code-stream.js";
import { runAgentCli } from "./run-agent-cli.js";

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
 * `opts.cwd` with exactly `opts.env`, calling `onEvent` for every mapped event in order. With
 * `opts.resume`, `--resume <id>` continues that conversation from `$HOME/.claude/projects/` (found
 * whatever the cwd of the run that started it, measured on 2.1.330), and the result carries the
 * stream's `session_id` as `conversationId`. Resolves,
 * never rejects: success only when the CLI wrote a `result` line without `is_error` and exited 0.
 * The CLI runs as PID 1 of a PID namespace of its own, so when it exits, is stopped (the signal) or
 * crashes, nothing it started outlives the run: by the time this resolves every process is gone.
 * Where no namespace can be made it runs in a process group of its own instead, after `opts.warn`.
 * If `onEvent` throws, the run is stopped and reported as failed, since events after that would be lost.
 */
export function runClaudeCode(opts: AgentOptions, onEvent: (e: EventInput) => void): Promise<AgentResult> {
  const started = performance.now();
  if (opts.signal?.aborted) {
    return Promise.resolve({
      success: false,
      error: "Stopped before Claude Code started",
      durationMs: 0,
      exitCode: null,
    });
  }
  if (opts.resume !== undefined && !ConversationId.safeParse(opts.resume).success) {
    return Promise.resolve({
      success: false,
      error: "Not a conversation id to resume",
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
  if (opts.resume) args.push("--resume", opts.resume);
  if (opts.model) args.push("--model", opts.model);
  if (opts.maxCostUsd !== undefined) args.push("--max-budget-usd", String(opts.maxCostUsd));

  let result: ReturnType<typeof parseClaudeResult> = null;
  let conversationId: string | undefined;
  return runAgentCli(
    opts,
    {
      name: "Claude Code",
      command: { command: claudeCodeBinary(), args },
      cwd: opts.cwd,
      mapLine: (obj) => {
        result = parseClaudeResult(obj) ?? result;
        conversationId = parseClaudeSessionId(obj) ?? conversationId;
        return mapClaudeStreamLine(obj, { cwd: opts.cwd });
      },
      result: () => result,
      missingResult: "a result",
      conversationId: () => conversationId,
    },
    onEvent,
    started,
  );
}
