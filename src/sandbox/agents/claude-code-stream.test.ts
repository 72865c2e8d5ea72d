import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Event, type EventInput } from "../../core/wire.js";
import {
  MAX_TOOL_OUTPUT_CHARS,
  mapClaudeStreamLine,
  parseClaudeResult,
  parseClaudeSessionId,
} from "./claude-code-stream.js";

const FIXTURES = join(import.meta.dirname, "../../../test/fixtures");
const fixtureFiles = readdirSync(FIXTURES).filter((f) => /^claude-code-.*\.stream\.jsonl$/.test(f));

function lines(file: string): unknown[] {
  return readFileSync(join(FIXTURES, file), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as unknown);
}

/** The checkout the captured runs worked in (their `system/init` says `cwd: /workspace/repo`). */
const CHECKOUT = { cwd: "/workspace/repo" };
const map = (obj: unknown) => mapClaudeStreamLine(obj, CHECKOUT);
const eventsOf = (file: string): EventInput[] => lines(file).flatMap(map);
const resultOf = (file: string) =>
  lines(file)
    .map(parseClaudeResult)
    .filter((r) => r !== null);

describe("mapClaudeStreamLine over every captured Claude Code stream", () => {
  it("finds the fixtures", () => {
    expect(fixtureFiles.length).toBeGreaterThanOrEqual(4);
  });

  it.each(fixtureFiles)("%s: every event is valid on the wire", (file) => {
    for (const [i, event] of eventsOf(file).entries()) {
      const parsed = Event.safeParse({ seq: i + 1, at: new Date(0).toISOString(), ...event });
      expect(parsed.success, JSON.stringify(event)).toBe(true);
    }
  });

  it.each(fixtureFiles)("%s: every tool_result answers an earlier tool_call", (file) => {
    const calls = new Set<string>();
    for (const event of eventsOf(file)) {
      if (event.type === "tool_call") calls.add(event.data.callId);
      if (event.type === "tool_result") expect(calls.has(event.data.callId)).toBe(true);
    }
  });

  it("write-bash: text, Write, Bash, final text, then the step's totals", () => {
    const events = eventsOf("claude-code-2.1.330.write-bash.stream.jsonl");
    expect(events.map((e) => (e.type === "tool_call" ? `tool_call:${e.data.kind}` : e.type))).toEqual([
      "assistant_text",
      "tool_call:write",
      "tool_result",
      "tool_call:shell",
      "tool_result",
      "assistant_text",
      "step_finish",
    ]);
    expect(events[0]).toEqual({ type: "assistant_text", data: { text: "I will create HELLO.md." } });
    expect(events[1]).toEqual({
      type: "tool_call",
      data: {
        callId: "toolu_standinmwu2a3sj1b",
        kind: "write",
        name: "Write",
        path: "HELLO.md",
        content: "# Hello\n\nWritten by the scripted stand-in model.\n",
        status: "running",
      },
    });
    expect(events[3]).toEqual({
      type: "tool_call",
      data: {
        callId: "toolu_standinmwu2a3ul1e",
        kind: "shell",
        name: "Bash",
        command: "git status --short",
        description: "Run scripted command",
        input: { command: "git status --short", description: "Run scripted command" },
        status: "running",
      },
    });
    expect(events[4]).toEqual({
      type: "tool_result",
      data: { callId: "toolu_standinmwu2a3ul1e", output: "?? HELLO.md", isError: false },
    });
    expect(events[6]).toEqual({
      type: "step_finish",
      data: { tokens: { input: 300, output: 126 }, costUsd: 0.00372 },
    });
    expect(resultOf("claude-code-2.1.330.write-bash.stream.jsonl")).toEqual([
      { success: true, summary: "Done: HELLO.md handled (steps write,bash).", durationMs: 257 },
    ]);
  });

  it("read-edit-commit: Read, Edit and Bash each get their result", () => {
    const events = eventsOf("claude-code-2.1.330.read-edit-commit.stream.jsonl");
    const calls = events.flatMap((e) => (e.type === "tool_call" ? [e.data] : []));
    expect(calls.map((c) => [c.kind, c.name, c.path])).toEqual([
      ["read", "Read", "README.md"],
      ["edit", "Edit", "README.md"],
      ["shell", "Bash", undefined],
    ]);
    expect(calls[1]).toMatchObject({
      edits: [{ before: "Hello", after: "Hello, edited" }],
      added: 1,
      removed: 1,
    });
    const results = events.flatMap((e) => (e.type === "tool_result" ? [e.data] : []));
    expect(results.map((r) => r.isError)).toEqual([false, false, false]);
    expect(results[2]?.output).toContain("standin");
    expect(resultOf("claude-code-2.1.330.read-edit-commit.stream.jsonl")[0]?.success).toBe(true);
  });

  it("permission-denied: an error event, a failed tool_result, and still a successful run", () => {
    const events = eventsOf("claude-code-2.1.330.permission-denied.stream.jsonl");
    const errors = events.flatMap((e) => (e.type === "error" ? [e.data.message] : []));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^Permission denied for Bash: This Bash command contains multiple operations/);
    const denied = events.find((e) => e.type === "tool_result" && e.data.isError);
    expect(denied).toBeDefined();
    expect(resultOf("claude-code-2.1.330.permission-denied.stream.jsonl")[0]?.success).toBe(true);
  });

  it("api-down-retries: one error per retry, naming the attempt, and no result", () => {
    const events = eventsOf("claude-code-2.1.330.api-down-retries.stream.jsonl");
    expect(events.every((e) => e.type === "error")).toBe(true);
    expect(events).toHaveLength(9);
    expect(events[0]).toEqual({
      type: "error",
      data: {
        message: "Model API request failed: no response (unknown); retrying in 0.6 s (attempt 1 of 10)",
      },
    });
    expect(resultOf("claude-code-2.1.330.api-down-retries.stream.jsonl")).toEqual([]);
  });

  it("names the HTTP status of a retried request when there was one", () => {
    expect(
      map({
        type: "system",
        subtype: "api_retry",
        attempt: 2,
        error_status: 529,
        error: "overloaded",
      }),
    ).toEqual([
      { type: "error", data: { message: "Model API request failed: HTTP 529; retrying (attempt 2)" } },
    ]);
  });

  it("system/init maps to nothing", () => {
    const init = lines("claude-code-2.1.330.write-bash.stream.jsonl")[0];
    expect(init).toMatchObject({ type: "system", subtype: "init" });
    expect(map(init)).toEqual([]);
  });
});

// Observed from 2.1.330 against a model server answering HTTP 500, with CLAUDE_CODE_MAX_RETRIES=0.
const apiErrorAssistant = {
  type: "assistant",
  message: {
    id: "d62c8ac2-64a3-4331-8f2c-f64a03b380a8",
    model: "<synthetic>",
    role: "assistant",
    stop_reason: "stop_sequence",
    type: "message",
    content: [{ type: "text", text: "API Error: 500 Internal server error. This is a server-side issue." }],
  },
  parent_tool_use_id: null,
  error: "server_error",
  is_api_error_message: true,
  api_error_status: 500,
  api_error_type: "api_error",
};
const apiErrorResult = {
  type: "result",
  subtype: "success",
  is_error: true,
  duration_ms: 272,
  num_turns: 1,
  total_cost_usd: 0,
  terminal_reason: "api_error",
  api_error_status: 500,
  result: "API Error: 500 Internal server error. This is a server-side issue.",
  usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
};

describe("a model API failure", () => {
  it("maps the CLI's synthetic API-error message to an error event, not assistant text", () => {
    expect(map(apiErrorAssistant)).toEqual([
      {
        type: "error",
        data: { message: "API Error: 500 Internal server error. This is a server-side issue." },
      },
    ]);
  });

  it("is a failure although the subtype says success", () => {
    expect(parseClaudeResult(apiErrorResult)).toEqual({
      success: false,
      error: "API Error: 500 Internal server error. This is a server-side issue.",
      durationMs: 272,
    });
  });

  it("an error_* result without text still says how it ended", () => {
    expect(parseClaudeResult({ type: "result", subtype: "error_max_turns", is_error: true })).toEqual({
      success: false,
      error: "Claude Code ended with an error (error_max_turns)",
    });
    expect(
      parseClaudeResult({ type: "result", subtype: "error_during_execution", errors: ["boom"] }),
    ).toMatchObject({
      success: false,
      error: "boom",
    });
  });
});

describe("a run that waits for a background task", () => {
  // 2.1.330 writes a second result line once the task finishes; total_cost_usd there is cumulative.
  const second = {
    type: "result",
    subtype: "success",
    is_error: false,
    result: "done2",
    duration_ms: 35,
    total_cost_usd: 0.1502,
    usage: {
      input_tokens: 12697,
      output_tokens: 2,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
    modelUsage: { "claude-opus-5-5": { inputTokens: 37445, outputTokens: 21, costUSD: 0.1502 } },
    result_index: 1,
    model_usage_since_last_result: {
      "claude-opus-5-5": { inputTokens: 12697, outputTokens: 2, costUSD: 0.050828 },
    },
  };

  it("reports only the cost since the previous result", () => {
    expect(map(second)).toEqual([
      { type: "step_finish", data: { tokens: { input: 12697, output: 2 }, costUsd: 0.050828 } },
    ]);
  });

  it("falls back to total_cost_usd when the per-stretch usage is missing", () => {
    const { model_usage_since_last_result: _, ...older } = second;
    expect(map(older)).toEqual([
      { type: "step_finish", data: { tokens: { input: 12697, output: 2 }, costUsd: 0.1502 } },
    ]);
  });
});

describe("tool results", () => {
  const user = (content: unknown, isError?: boolean) => ({
    type: "user",
    message: {
      role: "user",
      content: [{ type: "tool_result", tool_use_id: "t1", content, is_error: isError }],
    },
  });

  it("flattens an array of content blocks", () => {
    const events = map(
      user(
        [
          { type: "text", text: "one" },
          { type: "image", source: {} },
          { type: "text", text: "two" },
        ],
        true,
      ),
    );
    expect(events).toEqual([
      { type: "tool_result", data: { callId: "t1", output: "one\n[image]\ntwo", isError: true } },
    ]);
  });

  it(`cuts output over ${MAX_TOOL_OUTPUT_CHARS} characters and says so`, () => {
    const [event] = map(user("x".repeat(MAX_TOOL_OUTPUT_CHARS + 5)));
    expect(event?.type).toBe("tool_result");
    const output = event?.type === "tool_result" ? event.data.output : "";
    expect(output.startsWith("x".repeat(MAX_TOOL_OUTPUT_CHARS))).toBe(true);
    expect(output).toMatch(/\[output truncated: 5 more characters\]$/);
  });

  it("does not cut an emoji in half", () => {
    const [event] = map(user(`${"x".repeat(MAX_TOOL_OUTPUT_CHARS - 1)}😀tail`));
    const output = event?.type === "tool_result" ? event.data.output : "";
    expect(output.startsWith(`${"x".repeat(MAX_TOOL_OUTPUT_CHARS - 1)}\n`)).toBe(true);
  });

  it("ignores a user line whose content is the plain prompt", () => {
    expect(map({ type: "user", message: { role: "user", content: "do it" } })).toEqual([]);
  });
});

describe("unknown shapes map to nothing", () => {
  it.each([
    null,
    undefined,
    42,
    "text",
    [],
    {},
    { type: 7 },
    { type: "assistant" },
    { type: "assistant", message: { content: "not an array" } },
    {
      type: "assistant",
      message: { content: [{ type: "thinking", thinking: "hmm" }, { type: "tool_use" }] },
    },
    { type: "user", message: { content: [{ type: "tool_result" }] } },
    { type: "result", usage: "lots" },
    { type: "system", subtype: "compact_boundary" },
    { type: "stream_event", event: {} },
  ])("%j", (obj) => {
    expect(map(obj)).toEqual([]);
  });

  it("parseClaudeResult is null for anything but a result line", () => {
    expect(parseClaudeResult({ type: "assistant" })).toBeNull();
    expect(parseClaudeResult("result")).toBeNull();
  });
});

describe("Claude Code's tools as agent-neutral tool calls", () => {
  const callOf = (name: string, input: unknown) => {
    const [event] = map({
      type: "assistant",
      message: { content: [{ type: "tool_use", id: "t1", name, input }] },
    });
    if (event?.type !== "tool_call") throw new Error(`no tool_call for ${name}`);
    const { callId, status, ...rest } = event.data;
    expect({ callId, status }).toEqual({ callId: "t1", status: "running" });
    return rest;
  };

  it("maps every tool Claude Code has to a kind, with paths relative to the checkout", () => {
    expect(callOf("Read", { file_path: "/workspace/repo/src/repo/date.ts", offset: 10 })).toEqual({
      kind: "read",
      name: "Read",
      path: "src/repo/date.ts",
      input: { file_path: "/workspace/repo/src/repo/date.ts", offset: 10 },
    });
    expect(callOf("LS", { path: "/workspace/repo" })).toMatchObject({ kind: "read", path: "." });
    expect(callOf("Glob", { pattern: "**/*.ts", path: "/workspace/repo/src" })).toMatchObject({
      kind: "search",
      query: "**/*.ts",
      path: "src",
    });
    expect(callOf("Grep", { pattern: "parseDate", glob: "*.ts" })).toEqual({
      kind: "search",
      name: "Grep",
      query: "parseDate",
      input: { pattern: "parseDate", glob: "*.ts" },
    });
    expect(callOf("WebFetch", { url: "https://example.com/doc", prompt: "summarize" })).toMatchObject({
      kind: "web",
      url: "https://example.com/doc",
    });
    expect(callOf("WebSearch", { query: "zod discriminated union" })).toMatchObject({
      kind: "web",
      query: "zod discriminated union",
    });
    expect(
      callOf("NotebookEdit", { notebook_path: "/workspace/repo/a.ipynb", new_source: "x" }),
    ).toMatchObject({ kind: "edit", path: "a.ipynb" });
    expect(callOf("TodoWrite", { todos: [] })).toMatchObject({
      kind: "other",
      description: "Update the plan",
    });
    expect(callOf("Task", { description: "Find the tests", prompt: "…" })).toMatchObject({
      kind: "other",
      description: "Sub-agent: Find the tests",
    });
    expect(callOf("mcp__linear__create_issue", { title: "x" })).toEqual({
      kind: "other",
      name: "mcp__linear__create_issue",
      input: { title: "x" },
    });
  });

  it("keeps a path outside the checkout absolute, so it never reads as a project file", () => {
    expect(callOf("Read", { file_path: "/tmp/notes.txt" })).toMatchObject({ path: "/tmp/notes.txt" });
    expect(callOf("Read", { file_path: "/workspace/repository/x.ts" })).toMatchObject({
      path: "/workspace/repository/x.ts",
    });
  });

  it("carries an edit as before/after with its changed lines counted, not the raw input twice", () => {
    const edit = callOf("Edit", {
      file_path: "/workspace/repo/src/date.ts",
      old_string: "function parse(s) {\n  return new Date(s);\n}",
      new_string:
        "function parse(s) {\n  const d = new Date(s);\n  if (isNaN(d)) throw new Error(s);\n  return d;\n}",
    });
    expect(edit).toMatchObject({ kind: "edit", path: "src/date.ts", added: 3, removed: 1 });
    expect(edit).not.toHaveProperty("input");
    const multi = callOf("MultiEdit", {
      file_path: "/workspace/repo/a.ts",
      edits: [
        { old_string: "a", new_string: "b" },
        { old_string: "c\nd", new_string: "" },
      ],
    });
    expect(multi).toEqual({
      kind: "edit",
      name: "MultiEdit",
      path: "a.ts",
      edits: [
        { before: "a", after: "b" },
        { before: "c\nd", after: "" },
      ],
      added: 1,
      removed: 3,
    });
    // replace_all changes an unknown number of places: no counts, and it says so.
    const all = callOf("Edit", {
      file_path: "/workspace/repo/a.ts",
      old_string: "x",
      new_string: "y",
      replace_all: true,
    });
    expect(all).toMatchObject({ description: "every occurrence" });
    expect(all).not.toHaveProperty("added");
  });

  it("reads missing or odd input fields as absent instead of failing", () => {
    expect(callOf("Bash", null)).toEqual({ kind: "shell", name: "Bash", input: null });
    expect(callOf("Write", { file_path: 42 })).toEqual({ kind: "write", name: "Write" });
    for (const event of [callOf("Edit", "nonsense"), callOf("MultiEdit", { edits: "x" })]) {
      expect(() =>
        Event.parse({
          seq: 1,
          at: "t",
          type: "tool_call",
          data: { callId: "t1", status: "running", ...event },
        }),
      ).not.toThrow();
    }
  });
});

describe("parseClaudeSessionId", () => {
  it("reads one conversation id from the init and result lines of every fixture", () => {
    for (const file of fixtureFiles) {
      const ids = readFileSync(join(FIXTURES, file), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as unknown)
        .flatMap((obj) => parseClaudeSessionId(obj) ?? []);
      expect(ids.length, file).toBeGreaterThanOrEqual(1);
      expect(new Set(ids).size, file).toBe(1);
    }
  });

  it("reads no id from other lines, or one that is not a UUID", () => {
    const id = "f9ae77f2-e361-439a-9557-209516ea5602";
    expect(
      parseClaudeSessionId({ type: "assistant", session_id: id, message: { content: [] } }),
    ).toBeUndefined();
    expect(parseClaudeSessionId({ type: "system", subtype: "api_retry", session_id: id })).toBeUndefined();
    expect(parseClaudeSessionId({ type: "result", session_id: "../../x" })).toBeUndefined();
    expect(parseClaudeSessionId({ type: "system", subtype: "init", session_id: "--help" })).toBeUndefined();
    expect(parseClaudeSessionId({ type: "result", session_id: id })).toBe(id);
  });
});
