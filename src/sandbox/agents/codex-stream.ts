/**
 * Maps the lines of `codex exec --json` (observed on 0.169.0, see test/fixtures/codex-0.169.0.*.jsonl)
 * to wire events, and reads how the run ended. No I/O: the runner parses each line and hands it here.
 * Schemas are loose and cover only the fields read, so a newer CLI that adds fields still maps, and a
 * shape we do not know maps to nothing rather than throwing.
 *
 * Unlike Claude Code's stream, one Codex item is reported in up to three lines (item.started,
 * item.updated, item.completed) under an id that is unique only within one process ("item_0"), so
 * the mapper keeps a little state: the thread id, which makes call ids unique across the runs of a
 * session, and which items it already announced.
 */
import * as z from "zod";
import type { EventInput, ToolCall } from "../../core/wire.js";
import { innerCommand } from "./codex-command.js";

/** Tool output kept per event, as for Claude Code (claude-code-stream.ts): the rest is cut with a note. */
export const MAX_TOOL_OUTPUT_CHARS = 20_000;

const Line = z.looseObject({ type: z.string() });
const ThreadStarted = z.looseObject({ type: z.literal("thread.started"), thread_id: z.string() });
const ItemLine = z.looseObject({
  type: z.enum(["item.started", "item.updated", "item.completed"]),
  item: z.looseObject({ id: z.string(), type: z.string() }),
});
const Usage = z.looseObject({ input_tokens: z.number().optional(), output_tokens: z.number().optional() });
const TurnCompleted = z.looseObject({ type: z.literal("turn.completed"), usage: Usage.optional() });
const TurnFailed = z.looseObject({
  type: z.literal("turn.failed"),
  error: z.looseObject({ message: z.string() }).optional(),
});
const ErrorLine = z.looseObject({ type: z.literal("error"), message: z.string() });

const AgentMessage = z.looseObject({ type: z.literal("agent_message"), text: z.string() });
const ErrorItem = z.looseObject({ type: z.literal("error"), message: z.string() });
const CommandExecution = z.looseObject({
  type: z.literal("command_execution"),
  command: z.string(),
  aggregated_output: z.string().optional(),
  exit_code: z.number().nullable().optional(),
  status: z.string().optional(),
});
const FileChange = z.looseObject({
  type: z.literal("file_change"),
  changes: z.array(z.looseObject({ path: z.string(), kind: z.string() })),
  status: z.string().optional(),
});
const McpToolCall = z.looseObject({
  type: z.literal("mcp_tool_call"),
  server: z.string(),
  tool: z.string(),
  arguments: z.unknown().optional(),
  result: z
    .looseObject({ content: z.array(z.unknown()).optional(), structured_content: z.unknown().optional() })
    .nullable()
    .optional(),
  error: z.looseObject({ message: z.string() }).nullable().optional(),
  status: z.string().optional(),
});
const WebSearch = z.looseObject({
  type: z.literal("web_search"),
  query: z.string().optional(),
  action: z.unknown().optional(),
});
const TodoList = z.looseObject({
  type: z.literal("todo_list"),
  items: z.array(z.looseObject({ text: z.string(), completed: z.boolean().optional() })),
});
/** The items that are tool calls: each becomes a `tool_call` and, once completed, a `tool_result`. */
const ToolItem = z.discriminatedUnion("type", [
  CommandExecution,
  FileChange,
  McpToolCall,
  WebSearch,
  TodoList,
]);
type ToolItem = z.infer<typeof ToolItem>;

const TextPart = z.looseObject({ type: z.literal("text"), text: z.string() });
const PageAction = z.looseObject({ url: z.string() });

/** How a run ended, read from its lines; null while no turn has ended. */
export type CodexResult = { success: boolean; summary?: string; error?: string };

export type CodexStream = {
  /** One parsed `--json` line → the wire events it stands for (often none). */
  map(obj: unknown): EventInput[];
  /** The outcome of the lines mapped so far: see {@link parseCodexResult}. */
  result(): CodexResult | null;
};

/**
 * A mapper for the lines of one `codex exec --json` run in the checkout `opts.cwd` (the `-C`
 * directory, which Codex puts in front of every path it reports).
 *
 * - `agent_message` → `assistant_text`; `reasoning` is dropped, as Claude Code's thinking is.
 * - `command_execution` → a `shell` tool_call whose command is the script Codex ran through
 *   `/bin/bash -c` (it reports the whole argv, quoted), then a `tool_result` with its output; a
 *   non-zero exit or a failed status is an error, and the output then starts `Exit code: N`.
 * - `file_change` → one tool_call per changed file: `add` is a `write`, `update` an `edit`, and
 *   `delete` is `other` saying "Delete <path>" (as `edit` it would read "Edited", as if the file were
 *   still there). Codex reports no diff or content, so these calls carry the path only. A patch that
 *   fails Codex's own check is never reported as an item: only the model hears of it.
 * - `mcp_tool_call` → `other`, named `mcp__<server>__<tool>` as Claude Code names MCP tools;
 *   `web_search` → `web`; `todo_list` → `other` ("Update the plan"), its checklist as the result.
 * - `error` items (warnings: a config problem, a model without metadata) and top-level `error` lines
 *   (including "Reconnecting…" while Codex retries a dropped stream) → `error`; so does `turn.failed`,
 *   unless it repeats the error line just before it.
 * - `turn.completed` → `step_finish`. Its usage is the thread's running total (Codex reports
 *   `last_total_token_usage`), so each step gets the growth since the previous one; input tokens
 *   already include cached ones. Codex reports no cost: `costUsd` is 0.
 */
export function createCodexStream(opts: { cwd: string }): CodexStream {
  let threadId: string | undefined;
  const announced = new Set<string>();
  let totals = { input: 0, output: 0 };
  let lastErrorLine: string | undefined;
  let outcome = START;

  const callId = (itemId: string) => (threadId ? `${threadId}:${itemId}` : itemId);

  const mapItem = (phase: z.infer<typeof ItemLine>["type"], raw: { id: string }): EventInput[] => {
    const tool = ToolItem.safeParse(raw);
    if (tool.success) {
      const id = callId(raw.id);
      const calls = toolCalls(id, tool.data, opts.cwd);
      const events: EventInput[] = [];
      if (phase !== "item.completed" || !announced.has(id)) {
        events.push(...calls.map((data) => ({ type: "tool_call" as const, data })));
        announced.add(id);
      }
      if (phase === "item.completed") {
        announced.delete(id);
        events.push(...toolResults(calls, tool.data));
      }
      return events;
    }
    if (phase !== "item.completed") return [];
    const message = AgentMessage.safeParse(raw);
    if (message.success) {
      return message.data.text.trim() === ""
        ? []
        : [{ type: "assistant_text", data: { text: message.data.text } }];
    }
    const warning = ErrorItem.safeParse(raw);
    if (warning.success) return [{ type: "error", data: { message: warning.data.message } }];
    return [];
  };

  return {
    map(obj) {
      outcome = foldOutcome(outcome, obj);
      const line = Line.safeParse(obj);
      if (!line.success) return [];
      switch (line.data.type) {
        case "thread.started": {
          const started = ThreadStarted.safeParse(obj);
          if (started.success) threadId = started.data.thread_id;
          return [];
        }
        case "item.started":
        case "item.updated":
        case "item.completed": {
          const item = ItemLine.safeParse(obj);
          return item.success ? mapItem(item.data.type, item.data.item) : [];
        }
        case "turn.completed": {
          const turn = TurnCompleted.safeParse(obj);
          if (!turn.success) return [];
          lastErrorLine = undefined;
          const now = {
            input: turn.data.usage?.input_tokens ?? 0,
            output: turn.data.usage?.output_tokens ?? 0,
          };
          const tokens = {
            input: Math.max(0, now.input - totals.input),
            output: Math.max(0, now.output - totals.output),
          };
          totals = now;
          return [{ type: "step_finish", data: { tokens, costUsd: 0 } }];
        }
        case "turn.failed": {
          const failed = TurnFailed.safeParse(obj);
          if (!failed.success) return [];
          const message = failed.data.error?.message ?? "Codex's turn failed";
          const repeated = message === lastErrorLine;
          lastErrorLine = undefined;
          return repeated ? [] : [{ type: "error", data: { message } }];
        }
        case "error": {
          const error = ErrorLine.safeParse(obj);
          if (!error.success) return [];
          lastErrorLine = error.data.message;
          return [{ type: "error", data: { message: error.data.message } }];
        }
        default:
          return [];
      }
    },
    result: () => resultOf(outcome),
  };
}

/**
 * How the run ended. Success needs a `turn.completed` that nothing went wrong after: a `turn.failed`
 * fails the run, and so does an `error` line that no `turn.completed` follows. An `error` line that
 * one does follow was a retry Codex recovered from (0.169.0 writes "Reconnecting... 1/5 (stream
 * disconnected …)" and carries on, see test/fixtures/codex-0.169.0.stream-retry.exec.jsonl), so it
 * is not a failure. The summary is the last agent message. Null when no turn ended at all (an
 * interrupted turn writes nothing), so the runner reports the exit instead.
 */
export function parseCodexResult(lines: Iterable<unknown>): CodexResult | null {
  let outcome = START;
  for (const obj of lines) outcome = foldOutcome(outcome, obj);
  return resultOf(outcome);
}

type Outcome = { completed: boolean; failed?: string; pendingError?: string; summary?: string };
const START: Outcome = { completed: false };

function foldOutcome(o: Outcome, obj: unknown): Outcome {
  const line = Line.safeParse(obj);
  if (!line.success) return o;
  switch (line.data.type) {
    case "turn.started":
      return { ...o, completed: false };
    case "item.completed": {
      const item = ItemLine.safeParse(obj);
      const message = item.success ? AgentMessage.safeParse(item.data.item) : null;
      return message?.success && message.data.text.trim() ? { ...o, summary: message.data.text.trim() } : o;
    }
    case "error": {
      const error = ErrorLine.safeParse(obj);
      return error.success ? { ...o, pendingError: error.data.message } : o;
    }
    case "turn.completed":
      return { ...o, completed: true, pendingError: undefined };
    case "turn.failed": {
      const failed = TurnFailed.safeParse(obj);
      const message = (failed.success ? failed.data.error?.message : undefined) ?? o.pendingError;
      return { ...o, failed: o.failed ?? message ?? "Codex's turn failed" };
    }
    default:
      return o;
  }
}

function resultOf(o: Outcome): CodexResult | null {
  if (o.failed !== undefined) return { success: false, error: o.failed };
  if (o.pendingError !== undefined) return { success: false, error: o.pendingError };
  if (!o.completed) return null;
  return o.summary === undefined ? { success: true } : { success: true, summary: o.summary };
}

/**
 * Codex's tool items as agent-neutral tool calls: the one place that knows their shapes. A
 * file_change becomes one call per file (`<id>#<n>`), since a call names one path.
 */
function toolCalls(id: string, item: ToolItem, cwd: string): ToolCall[] {
  const running = "running" as const;
  switch (item.type) {
    case "command_execution":
      return [
        {
          callId: id,
          kind: "shell",
          name: "exec_command",
          command: innerCommand(item.command),
          input: { command: item.command },
          status: running,
        },
      ];
    case "file_change":
      return item.changes.map((change, n) => {
        const path = checkoutRelative(change.path, cwd);
        const base = { callId: `${id}#${n}`, name: "apply_patch", path, status: running };
        if (change.kind === "add") return { ...base, kind: "write" };
        if (change.kind === "update") return { ...base, kind: "edit" };
        const verb = change.kind === "delete" ? "Delete" : change.kind;
        return { ...base, kind: "other", description: `${verb} ${path}` };
      });
    case "mcp_tool_call":
      return [
        {
          callId: id,
          kind: "other",
          name: `mcp__${item.server}__${item.tool}`,
          input: item.arguments ?? {},
          status: running,
        },
      ];
    case "web_search": {
      const page = PageAction.safeParse(item.action);
      return [
        {
          callId: id,
          kind: "web",
          name: "web_search",
          ...(item.query ? { query: item.query } : {}),
          ...(page.success ? { url: page.data.url } : {}),
          input: { query: item.query, action: item.action },
          status: running,
        },
      ];
    }
    case "todo_list":
      return [
        {
          callId: id,
          kind: "other",
          name: "todo_list",
          description: "Update the plan",
          input: { items: item.items },
          status: running,
        },
      ];
  }
}

function toolResults(calls: ToolCall[], item: ToolItem): EventInput[] {
  const result = (callId: string, output: string, isError: boolean): EventInput => ({
    type: "tool_result",
    data: { callId, output: truncate(output), isError },
  });
  const [call] = calls;
  switch (item.type) {
    case "command_execution": {
      if (!call) return [];
      const output = item.aggregated_output ?? "";
      const code = item.exit_code;
      if (code !== null && code !== undefined && code !== 0) {
        return [result(call.callId, `Exit code: ${code}\n${output}`, true)];
      }
      if (item.status === "declined") return [result(call.callId, "The command was declined", true)];
      return [result(call.callId, output, item.status === "failed")];
    }
    case "file_change": {
      const failed = item.status === "failed";
      return calls.map((c, n) => {
        const kind = item.changes[n]?.kind;
        const done = kind === "add" ? "Added" : kind === "delete" ? "Deleted" : "Updated";
        return result(
          c.callId,
          failed ? `Could not apply the patch to ${c.path}` : `${done} ${c.path}`,
          failed,
        );
      });
    }
    case "mcp_tool_call": {
      if (!call) return [];
      const error = item.error?.message;
      return [
        result(call.callId, error ?? mcpOutput(item.result), error !== undefined || item.status === "failed"),
      ];
    }
    case "web_search":
      // The JSONL reports what was searched, not what was found.
      return call ? [result(call.callId, "", false)] : [];
    case "todo_list": {
      if (!call) return [];
      const list = item.items.map((t) => `- [${t.completed ? "x" : " "}] ${t.text}`).join("\n");
      return [result(call.callId, list, false)];
    }
  }
}

/** An MCP result's text parts; its structured content as JSON when there is no text. */
function mcpOutput(result: z.infer<typeof McpToolCall>["result"]): string {
  if (!result) return "";
  const text = (result.content ?? []).flatMap((part) => {
    const t = TextPart.safeParse(part);
    return t.success ? [t.data.text] : [];
  });
  if (text.length > 0) return text.join("\n");
  return result.structured_content === undefined ? "" : JSON.stringify(result.structured_content);
}

/**
 * A path as the repository sees it. Codex reports absolute paths under the `-C` directory; one
 * outside it (a temp file) stays absolute, so it never reads as a file of the project.
 */
function checkoutRelative(path: string, cwd: string): string {
  const root = cwd.replace(/\/+$/, "");
  if (root === "" || !path.startsWith("/")) return path;
  if (path === root) return ".";
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}

function truncate(text: string): string {
  if (text.length <= MAX_TOOL_OUTPUT_CHARS) return text;
  let end = MAX_TOOL_OUTPUT_CHARS;
  // Do not split a surrogate pair: half an emoji is not valid UTF-16 text.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}\n… [output truncated: ${text.length - end} more characters]`;
}
