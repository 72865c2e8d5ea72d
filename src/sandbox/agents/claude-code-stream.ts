/**
 * Maps Claude Code's `--output-format stream-json --verbose` lines (observed on 2.1.330, see
 * test/fixtures/claude-code-2.1.330.*.stream.jsonl) to wire events. Pure: the runner parses each
 * line and hands it here. Schemas are loose and cover only the fields read, so a newer CLI that adds
 * fields still maps, and a shape we do not know maps to nothing rather than throwing.
 */
import * as z from "zod";
import type { EventInput, ToolCall } from "../../core/wire.js";
import { ConversationId } from "./agent.js";

/** Tool output kept per event; the rest is cut with a note. The transcript is for reading, not replay. */
export const MAX_TOOL_OUTPUT_CHARS = 20_000;

const Line = z.looseObject({ type: z.string(), subtype: z.string().optional() });

const TextBlock = z.looseObject({ type: z.literal("text"), text: z.string() });
const ToolUseBlock = z.looseObject({
  type: z.literal("tool_use"),
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
});
const ToolResultBlock = z.looseObject({
  type: z.literal("tool_result"),
  tool_use_id: z.string(),
  content: z.unknown().optional(),
  is_error: z.boolean().optional(),
});

const AssistantLine = z.looseObject({
  type: z.literal("assistant"),
  /** Set on the synthetic message the CLI writes when the model API failed; it is not model output. */
  is_api_error_message: z.boolean().optional(),
  message: z.looseObject({ content: z.array(z.unknown()) }),
});
const UserLine = z.looseObject({
  type: z.literal("user"),
  message: z.looseObject({ content: z.union([z.string(), z.array(z.unknown())]) }),
});

const Usage = z.looseObject({
  input_tokens: z.number().optional(),
  output_tokens: z.number().optional(),
  cache_creation_input_tokens: z.number().optional(),
  cache_read_input_tokens: z.number().optional(),
});
const ResultLine = z.looseObject({
  type: z.literal("result"),
  subtype: z.string().optional(),
  is_error: z.boolean().optional(),
  result: z.string().optional(),
  duration_ms: z.number().optional(),
  total_cost_usd: z.number().optional(),
  usage: Usage.optional(),
  terminal_reason: z.string().optional(),
  api_error_status: z.number().nullable().optional(),
  /** Per model, since the previous `result` line: a run that waits on a background task writes several. */
  model_usage_since_last_result: z
    .record(z.string(), z.looseObject({ costUSD: z.number().optional() }))
    .optional(),
  /** Present on the `error_*` subtypes (e.g. error_max_turns) in place of `result`. */
  errors: z.array(z.string()).optional(),
});

const PermissionDenied = z.looseObject({
  tool_name: z.string().optional(),
  message: z.string().optional(),
});
const ApiRetry = z.looseObject({
  attempt: z.number().optional(),
  max_retries: z.number().optional(),
  retry_delay_ms: z.number().optional(),
  error_status: z.number().nullable().optional(),
  error: z.string().optional(),
});

/**
 * One parsed stream-json line → the wire events it stands for (often none).
 *
 * - `assistant` text → `assistant_text`; tool_use → an agent-neutral `tool_call` (status `running`,
 *   see {@link toolCall}; paths made relative to `opts.cwd`, the checkout); thinking is dropped.
 *   The CLI's synthetic "API Error: …" message (`is_api_error_message`) → `error`, not assistant text.
 * - `user` tool_result → `tool_result`, text flattened and cut to {@link MAX_TOOL_OUTPUT_CHARS}.
 * - `result` → `step_finish` for the stretch since the previous `result` (a run that waits for a
 *   background task writes more than one): `usage` is already per stretch, but `total_cost_usd` is
 *   cumulative, so the cost comes from `model_usage_since_last_result` when present. Input tokens
 *   include cache reads and writes: everything the model read.
 * - `system/permission_denied` → `error`.
 * - `system/api_retry` → `error` naming the attempt: a watcher should see why nothing happens for a
 *   while, and the run's outcome still comes from the `result` line, so these do not fail a run.
 * - `system/init` and anything unknown → nothing.
 */
export function mapClaudeStreamLine(obj: unknown, opts: { cwd: string }): EventInput[] {
  const line = Line.safeParse(obj);
  if (!line.success) return [];
  switch (line.data.type) {
    case "assistant":
      return mapAssistant(obj, opts.cwd);
    case "user":
      return mapUser(obj);
    case "result":
      return mapResult(obj);
    case "system":
      if (line.data.subtype === "permission_denied") return mapPermissionDenied(obj);
      if (line.data.subtype === "api_retry") return mapApiRetry(obj);
      return [];
    default:
      return [];
  }
}

const SessionLine = z.looseObject({
  type: z.string(),
  subtype: z.string().optional(),
  session_id: z.string(),
});

/**
 * The conversation a line names: the `session_id` of the `system/init` line that opens the stream
 * and of the `result` line that ends it (2.1.330 writes it on every line; only these two are read,
 * and `--resume <id>` keeps the id). Undefined for any other line, or an id that is not a UUID.
 */
export function parseClaudeSessionId(obj: unknown): string | undefined {
  const line = SessionLine.safeParse(obj);
  if (!line.success) return undefined;
  const { type, subtype, session_id } = line.data;
  if (!(type === "result" || (type === "system" && subtype === "init"))) return undefined;
  return ConversationId.safeParse(session_id).success ? session_id : undefined;
}

/** Outcome of a run, from its `result` line; null when `obj` is not one. */
export type ClaudeResult = { success: boolean; summary?: string; error?: string; durationMs?: number };

/**
 * Reads the `result` line. An API failure still ends with `subtype:"success"` and `is_error:true`, so
 * success needs `is_error === false`; the subtype alone proves nothing (an `error_*` subtype also fails).
 */
export function parseClaudeResult(obj: unknown): ClaudeResult | null {
  const parsed = ResultLine.safeParse(obj);
  if (!parsed.success) return null;
  const r = parsed.data;
  const durationMs = r.duration_ms;
  if (r.is_error === false && r.subtype === "success") {
    return { success: true, summary: r.result?.trim() || undefined, durationMs };
  }
  const detail = r.errors?.join("; ") || r.result?.trim() || undefined;
  const reason = r.terminal_reason ?? r.subtype ?? "unknown";
  return { success: false, error: detail ?? `Claude Code ended with an error (${reason})`, durationMs };
}

function mapAssistant(obj: unknown, cwd: string): EventInput[] {
  const line = AssistantLine.safeParse(obj);
  if (!line.success) return [];
  const events: EventInput[] = [];
  for (const raw of line.data.message.content) {
    const text = TextBlock.safeParse(raw);
    if (text.success) {
      if (text.data.text.trim() === "") continue;
      events.push(
        line.data.is_api_error_message
          ? { type: "error", data: { message: text.data.text } }
          : { type: "assistant_text", data: { text: text.data.text } },
      );
      continue;
    }
    const tool = ToolUseBlock.safeParse(raw);
    if (tool.success) {
      events.push({ type: "tool_call", data: toolCall(tool.data.id, tool.data.name, tool.data.input, cwd) });
    }
  }
  return events;
}

function mapUser(obj: unknown): EventInput[] {
  const line = UserLine.safeParse(obj);
  if (!line.success || typeof line.data.message.content === "string") return [];
  const events: EventInput[] = [];
  for (const raw of line.data.message.content) {
    const block = ToolResultBlock.safeParse(raw);
    if (!block.success) continue;
    events.push({
      type: "tool_result",
      data: {
        callId: block.data.tool_use_id,
        output: truncate(flattenContent(block.data.content)),
        isError: block.data.is_error === true,
      },
    });
  }
  return events;
}

function mapResult(obj: unknown): EventInput[] {
  const line = ResultLine.safeParse(obj);
  if (!line.success) return [];
  const u = line.data.usage;
  const input =
    (u?.input_tokens ?? 0) + (u?.cache_creation_input_tokens ?? 0) + (u?.cache_read_input_tokens ?? 0);
  const perModel = Object.values(line.data.model_usage_since_last_result ?? {});
  const costUsd =
    perModel.length > 0
      ? perModel.reduce((sum, m) => sum + (m.costUSD ?? 0), 0)
      : (line.data.total_cost_usd ?? 0);
  return [{ type: "step_finish", data: { tokens: { input, output: u?.output_tokens ?? 0 }, costUsd } }];
}

function mapPermissionDenied(obj: unknown): EventInput[] {
  const p = PermissionDenied.safeParse(obj);
  if (!p.success) return [];
  const tool = p.data.tool_name ?? "a tool";
  const message = p.data.message
    ? `Permission denied for ${tool}: ${p.data.message}`
    : `Permission denied for ${tool}`;
  return [{ type: "error", data: { message } }];
}

function mapApiRetry(obj: unknown): EventInput[] {
  const r = ApiRetry.safeParse(obj);
  if (!r.success) return [];
  // No status means no HTTP answer at all (refused, reset, DNS); the CLI then says only "unknown".
  const cause =
    r.data.error_status != null
      ? `HTTP ${r.data.error_status}`
      : `no response (${r.data.error ?? "unknown"})`;
  const attempt =
    r.data.attempt != null
      ? ` (attempt ${r.data.attempt}${r.data.max_retries != null ? ` of ${r.data.max_retries}` : ""})`
      : "";
  const delay = r.data.retry_delay_ms != null ? ` in ${(r.data.retry_delay_ms / 1000).toFixed(1)} s` : "";
  return [
    { type: "error", data: { message: `Model API request failed: ${cause}; retrying${delay}${attempt}` } },
  ];
}

/**
 * Claude Code's tools as agent-neutral tool calls: the one place that knows their names and input
 * keys. Edits and writes carry their text in `edits` / `content` and leave the raw input out (it
 * would store the same file twice); every other call keeps its raw input for the transcript. A tool
 * not listed here (MCP tools, newer ones) is `other`, named by its own name.
 */
function toolCall(callId: string, name: string, input: unknown, cwd: string): ToolCall {
  const str = (key: string, from: unknown = input) => field(from, key);
  const path = (key = "file_path") => {
    const p = str(key);
    return p === undefined ? {} : { path: checkoutRelative(p, cwd) };
  };
  const base = { callId, name, status: "running" as const };
  const raw = { ...base, input };
  switch (name) {
    case "Bash":
      return {
        ...raw,
        kind: "shell",
        ...defined({ command: str("command"), description: str("description") }),
      };
    case "Write": {
      const content = str("content");
      return { ...base, kind: "write", ...path(), ...defined({ content }) };
    }
    case "Edit":
    case "MultiEdit": {
      const list = name === "Edit" ? [input] : arrayField(input, "edits");
      const edits = list.map((e) => ({
        before: str("old_string", e) ?? "",
        after: str("new_string", e) ?? "",
      }));
      // With replace_all the number of places changed is unknown, so lines are not counted.
      const everywhere = list.some((e) => (e as { replace_all?: unknown } | null)?.replace_all === true);
      return {
        ...base,
        kind: "edit",
        ...path(),
        edits,
        ...(everywhere ? { description: "every occurrence" } : countLines(edits)),
      };
    }
    case "NotebookEdit":
      return { ...raw, kind: "edit", ...path("notebook_path") };
    case "Read":
      return { ...raw, kind: "read", ...path() };
    case "LS":
      return { ...raw, kind: "read", ...path("path") };
    case "Glob":
    case "Grep":
      return { ...raw, kind: "search", ...path("path"), ...defined({ query: str("pattern") }) };
    case "WebFetch":
      return { ...raw, kind: "web", ...defined({ url: str("url") }) };
    case "WebSearch":
      return { ...raw, kind: "web", ...defined({ query: str("query") }) };
    case "TodoWrite":
      return { ...raw, kind: "other", description: "Update the plan" };
    case "Task":
    case "Agent": {
      const what = str("description");
      return { ...raw, kind: "other", description: what ? `Sub-agent: ${what}` : "Run a sub-agent" };
    }
    default:
      return { ...raw, kind: "other" };
  }
}

/**
 * A path as the repository sees it. Claude Code is given absolute paths inside the checkout; one
 * outside it (a temp file) stays absolute, so it never reads as a file of the project.
 */
function checkoutRelative(path: string, cwd: string): string {
  const root = cwd.replace(/\/+$/, "");
  if (root === "" || !path.startsWith("/")) return path;
  if (path === root) return ".";
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}

/**
 * Lines an edit adds and removes, as a diff would count them: the lines each replacement keeps at its
 * start and end (context the agent quoted to make the match unique) are not changes.
 */
function countLines(edits: readonly { before: string; after: string }[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const { before, after } of edits) {
    const a = before === "" ? [] : before.split("\n");
    const b = after === "" ? [] : after.split("\n");
    let start = 0;
    while (start < a.length && start < b.length && a[start] === b[start]) start++;
    let end = 0;
    while (
      end < a.length - start &&
      end < b.length - start &&
      a[a.length - 1 - end] === b[b.length - 1 - end]
    )
      end++;
    removed += a.length - start - end;
    added += b.length - start - end;
  }
  return { added, removed };
}

/** Only the keys whose value is set: the wire schema's optional fields are absent, not undefined. */
function defined<T extends Record<string, string | undefined>>(o: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<
    Record<keyof T, string>
  >;
}

function field(from: unknown, key: string): string | undefined {
  if (typeof from !== "object" || from === null) return undefined;
  const value = (from as Record<string, unknown>)[key];
  return typeof value === "string" ? value : undefined;
}

function arrayField(from: unknown, key: string): unknown[] {
  const value =
    typeof from === "object" && from !== null ? (from as Record<string, unknown>)[key] : undefined;
  return Array.isArray(value) ? value : [];
}

/** tool_result content is a string or an array of blocks; only text blocks carry readable output. */
function flattenContent(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((block) => {
      const text = TextBlock.safeParse(block);
      if (text.success) return text.data.text;
      const typed = Line.safeParse(block);
      return typed.success ? `[${typed.data.type}]` : "";
    })
    .filter((s) => s !== "")
    .join("\n");
}

function truncate(text: string): string {
  if (text.length <= MAX_TOOL_OUTPUT_CHARS) return text;
  let end = MAX_TOOL_OUTPUT_CHARS;
  // Do not split a surrogate pair: half an emoji is not valid UTF-16 text.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}\n… [output truncated: ${text.length - end} more characters]`;
}
