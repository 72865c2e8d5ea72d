import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Event, type EventInput } from "../../core/wire.js";
import { createCodexStream, MAX_TOOL_OUTPUT_CHARS, parseCodexResult } from "./codex-stream.js";

const FIXTURES = join(import.meta.dirname, "../../../test/fixtures");
const fixtureFiles = readdirSync(FIXTURES).filter((f) => /^codex-.*\.exec\.jsonl$/.test(f));

function lines(file: string): unknown[] {
  return readFileSync(join(FIXTURES, file), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as unknown);
}

/** The checkout of the reference capture (its file_change paths are under /workspace/repo). */
const CWD = "/workspace/repo";
const mapAll = (input: unknown[], cwd = CWD): EventInput[] => {
  const stream = createCodexStream({ cwd });
  return input.flatMap((obj) => stream.map(obj));
};

const THREAD = { type: "thread.started", thread_id: "t1" };
const item = (phase: "started" | "updated" | "completed", it: Record<string, unknown>) => ({
  type: `item.${phase}`,
  item: it,
});
const command = (extra: Record<string, unknown>) => ({
  id: "item_0",
  type: "command_execution",
  command: "/bin/bash -lc 'npm test'",
  aggregated_output: "",
  exit_code: null,
  status: "in_progress",
  ...extra,
});
const usage = (input: number, output: number) => ({
  type: "turn.completed",
  usage: { input_tokens: input, cached_input_tokens: 0, output_tokens: output },
});

describe("createCodexStream over every captured Codex stream", () => {
  it("finds the fixtures", () => {
    expect(fixtureFiles).toEqual(
      expect.arrayContaining([
        "codex-0.169.0.exec.jsonl",
        "codex-0.169.0.stream-retry.exec.jsonl",
        "codex-0.169.0.api-500.exec.jsonl",
      ]),
    );
  });

  it.each(fixtureFiles)("%s: every event is valid on the wire", (file) => {
    for (const [i, event] of mapAll(lines(file)).entries()) {
      const parsed = Event.safeParse({ seq: i + 1, at: new Date(0).toISOString(), ...event });
      expect(parsed.success, JSON.stringify(event)).toBe(true);
    }
  });

  it.each(fixtureFiles)("%s: every tool_result answers the tool_call just before it", (file) => {
    const events = mapAll(lines(file));
    for (const [i, event] of events.entries()) {
      if (event.type !== "tool_result") continue;
      const call = events[i - 1];
      expect(call?.type === "tool_call" && call.data.callId === event.data.callId).toBe(true);
    }
  });

  it("maps the reference run: a written file, a command, the answer and the turn's usage", () => {
    const file = lines("codex-0.169.0.exec.jsonl");
    const thread = "01a20b54-5d65-7dd1-8cb2-24790b7ef801";
    expect(mapAll(file)).toEqual([
      {
        type: "tool_call",
        data: {
          callId: `${thread}:item_0#0`,
          kind: "write",
          name: "apply_patch",
          path: "HELLO.md",
          status: "running",
        },
      },
      {
        type: "tool_result",
        data: { callId: `${thread}:item_0#0`, output: "Added HELLO.md", isError: false },
      },
      {
        type: "tool_call",
        data: {
          callId: `${thread}:item_1`,
          kind: "shell",
          name: "exec_command",
          command: "git status --short",
          input: { command: "/bin/bash -lc 'git status --short'" },
          status: "running",
        },
      },
      { type: "tool_result", data: { callId: `${thread}:item_1`, output: "?? HELLO.md\n", isError: false } },
      { type: "assistant_text", data: { text: "Done (scripted)." } },
      { type: "step_finish", data: { tokens: { input: 300, output: 60 }, costUsd: 0 } },
    ]);
    expect(parseCodexResult(file)).toEqual({ success: true, summary: "Done (scripted)." });
  });

  it("reports a stream Codex retried as errors, and the run it recovered as a success", () => {
    const file = lines("codex-0.169.0.stream-retry.exec.jsonl");
    const events = mapAll(file);
    expect(events.filter((e) => e.type === "error").map((e) => e.data)).toEqual([
      {
        message:
          "Reconnecting... 1/1 (stream disconnected before completion: stream closed before response.completed)",
      },
      {
        message:
          "Reconnecting... 1/1 (stream disconnected before completion: stream closed before response.completed)",
      },
    ]);
    expect(parseCodexResult(file)).toEqual({ success: true, summary: "Done." });
  });

  it("reports a failing model API once, and the run as failed with Codex's words", () => {
    const file = lines("codex-0.169.0.api-500.exec.jsonl");
    const message = "We’re currently experiencing high demand, which may cause temporary errors.";
    expect(mapAll(file)).toEqual([{ type: "error", data: { message } }]);
    expect(parseCodexResult(file)).toEqual({ success: false, error: message });
  });
});

describe("createCodexStream, line by line", () => {
  it("ignores what is not a line it knows, without throwing", () => {
    const garbage = [
      null,
      3,
      "text",
      [],
      {},
      { type: 5 },
      { type: "thread.started" },
      { type: "item.completed" },
    ];
    expect(mapAll([...garbage, { type: "turn.started" }, { type: "something.new", x: 1 }])).toEqual([]);
    expect(
      mapAll([item("completed", { id: "item_0", type: "collab_tool_call", tool: "spawn_agent" })]),
    ).toEqual([]);
  });

  it("uses the bare item id as call id when the thread is unknown", () => {
    const events = mapAll([item("started", command({}))]);
    expect(events[0]).toMatchObject({ type: "tool_call", data: { callId: "item_0" } });
  });

  it("shows the script a shell ran, its quoting undone; any other command line whole", () => {
    const shown = (raw: string) => {
      const [event] = mapAll([THREAD, item("started", command({ command: raw }))]);
      return event?.type === "tool_call" ? event.data.command : undefined;
    };
    expect(shown("/bin/bash -lc 'git status --short'")).toBe("git status --short");
    expect(shown("/bin/bash -c 'echo $PATH; env | grep -c KEY; echo '\"'a\\\"b'\"")).toBe(
      "echo $PATH; env | grep -c KEY; echo 'a\"b'",
    );
    expect(shown('/bin/bash -lc "echo \\"it\'s\\" "\'$PATH\'')).toBe('echo "it\'s" $PATH');
    expect(shown("/usr/bin/zsh -c 'ls -a'")).toBe("ls -a");
    expect(shown("sh -c ls\\ -a")).toBe("ls -a");
    expect(shown("git status --short")).toBe("git status --short");
    expect(shown("/bin/bash -lc 'unclosed")).toBe("/bin/bash -lc 'unclosed");
    expect(shown("/bin/bash -lc 'a' extra")).toBe("/bin/bash -lc 'a' extra");
    expect(shown("/bin/bash -x 'a'")).toBe("/bin/bash -x 'a'");
  });

  it("makes a failed command an error whose output starts with its exit code", () => {
    const results = (extra: Record<string, unknown>) =>
      mapAll([THREAD, item("started", command({})), item("completed", command(extra))]).filter(
        (e) => e.type === "tool_result",
      );
    expect(results({ aggregated_output: "1 failing\n", exit_code: 2, status: "failed" })).toEqual([
      {
        type: "tool_result",
        data: { callId: "t1:item_0", output: "Exit code: 2\n1 failing\n", isError: true },
      },
    ]);
    expect(
      results({ aggregated_output: "killed", exit_code: null, status: "failed" })[0]?.data,
    ).toMatchObject({
      output: "killed",
      isError: true,
    });
    expect(results({ exit_code: null, status: "declined" })[0]?.data).toMatchObject({
      output: "The command was declined",
      isError: true,
    });
    expect(results({ aggregated_output: "ok\n", exit_code: 0, status: "completed" })[0]?.data).toMatchObject({
      output: "ok\n",
      isError: false,
    });
  });

  it("announces a tool item once, and announces it first when only its completion is seen", () => {
    const done = command({ aggregated_output: "ok", exit_code: 0, status: "completed" });
    expect(mapAll([THREAD, item("completed", done)]).map((e) => e.type)).toEqual([
      "tool_call",
      "tool_result",
    ]);
    expect(
      mapAll([THREAD, item("started", command({})), item("completed", done)]).map((e) => e.type),
    ).toEqual(["tool_call", "tool_result"]);
  });

  it("maps each file of a patch to its own call: add a write, update an edit, delete other", () => {
    const change = (status: string) => ({
      id: "item_3",
      type: "file_change",
      changes: [
        { path: "/workspace/repo/NOTES.md", kind: "add" },
        { path: "/workspace/repo/src/a.ts", kind: "update" },
        { path: "/workspace/repo/old.txt", kind: "delete" },
        { path: "/tmp/scratch.txt", kind: "add" },
      ],
      status,
    });
    const events = mapAll([
      THREAD,
      item("started", change("in_progress")),
      item("completed", change("completed")),
    ]);
    expect(events.filter((e) => e.type === "tool_call").map((e) => e.data)).toEqual([
      { callId: "t1:item_3#0", kind: "write", name: "apply_patch", path: "NOTES.md", status: "running" },
      { callId: "t1:item_3#1", kind: "edit", name: "apply_patch", path: "src/a.ts", status: "running" },
      {
        callId: "t1:item_3#2",
        kind: "other",
        name: "apply_patch",
        path: "old.txt",
        description: "Delete old.txt",
        status: "running",
      },
      {
        callId: "t1:item_3#3",
        kind: "write",
        name: "apply_patch",
        path: "/tmp/scratch.txt",
        status: "running",
      },
    ]);
    expect(events.filter((e) => e.type === "tool_result").map((e) => e.data)).toEqual([
      { callId: "t1:item_3#0", output: "Added NOTES.md", isError: false },
      { callId: "t1:item_3#1", output: "Updated src/a.ts", isError: false },
      { callId: "t1:item_3#2", output: "Deleted old.txt", isError: false },
      { callId: "t1:item_3#3", output: "Added /tmp/scratch.txt", isError: false },
    ]);

    const failed = mapAll([
      THREAD,
      item("completed", { ...change("failed"), changes: change("").changes.slice(1, 2) }),
    ]);
    expect(failed.at(-1)).toEqual({
      type: "tool_result",
      data: { callId: "t1:item_3#0", output: "Could not apply the patch to src/a.ts", isError: true },
    });
  });

  it("maps an MCP tool call, its text result and its failure", () => {
    const mcp = (extra: Record<string, unknown>) => ({
      id: "item_4",
      type: "mcp_tool_call",
      server: "docs",
      tool: "search",
      arguments: { q: "zod" },
      result: null,
      error: null,
      status: "in_progress",
      ...extra,
    });
    const ok = mapAll([
      THREAD,
      item("started", mcp({})),
      item(
        "completed",
        mcp({
          status: "completed",
          result: {
            content: [
              { type: "text", text: "found 2" },
              { type: "image", data: "…" },
            ],
          },
        }),
      ),
    ]);
    expect(ok).toEqual([
      {
        type: "tool_call",
        data: {
          callId: "t1:item_4",
          kind: "other",
          name: "mcp__docs__search",
          input: { q: "zod" },
          status: "running",
        },
      },
      { type: "tool_result", data: { callId: "t1:item_4", output: "found 2", isError: false } },
    ]);
    const structured = mapAll([
      item("completed", mcp({ status: "completed", result: { content: [], structured_content: { n: 2 } } })),
    ]);
    expect(structured.at(-1)?.data).toMatchObject({ output: '{"n":2}', isError: false });
    const failed = mapAll([item("completed", mcp({ status: "failed", error: { message: "server gone" } }))]);
    expect(failed.at(-1)?.data).toMatchObject({ output: "server gone", isError: true });
  });

  it("maps a web search to a web call", () => {
    const search = (action: unknown) => ({
      id: "item_5",
      type: "web_search",
      query: "zod 4 looseObject",
      action,
    });
    const events = mapAll([THREAD, item("started", search({ type: "search", query: "zod 4 looseObject" }))]);
    expect(events[0]?.data).toMatchObject({ kind: "web", name: "web_search", query: "zod 4 looseObject" });
    const opened = mapAll([item("completed", search({ type: "open_page", url: "https://zod.dev" }))]);
    expect(opened.map((e) => e.data)).toEqual([
      expect.objectContaining({ kind: "web", url: "https://zod.dev", query: "zod 4 looseObject" }),
      { callId: "item_5", output: "", isError: false },
    ]);
  });

  it("maps the plan: each update refines the call, the turn's end gives the checklist", () => {
    const todo = (done: boolean) => ({
      id: "item_6",
      type: "todo_list",
      items: [
        { text: "Write NOTES.md", completed: done },
        { text: "Check it", completed: false },
      ],
    });
    const events = mapAll([
      THREAD,
      item("started", todo(false)),
      item("updated", todo(true)),
      item("completed", todo(true)),
    ]);
    expect(events.map((e) => e.type)).toEqual(["tool_call", "tool_call", "tool_result"]);
    expect(events[1]?.data).toMatchObject({
      callId: "t1:item_6",
      kind: "other",
      description: "Update the plan",
      input: { items: todo(true).items },
    });
    expect(events[2]?.data).toEqual({
      callId: "t1:item_6",
      output: "- [x] Write NOTES.md\n- [ ] Check it",
      isError: false,
    });
  });

  it("keeps agent text, drops reasoning and empty text, and reports warnings as errors", () => {
    const events = mapAll([
      item("completed", { id: "item_0", type: "reasoning", text: "**Thinking**" }),
      item("completed", { id: "item_1", type: "agent_message", text: "  " }),
      item("completed", { id: "item_2", type: "agent_message", text: "All done." }),
      item("completed", { id: "item_3", type: "error", message: "Model metadata for `x` not found." }),
    ]);
    expect(events).toEqual([
      { type: "assistant_text", data: { text: "All done." } },
      { type: "error", data: { message: "Model metadata for `x` not found." } },
    ]);
  });

  it("cuts a long output, with a note saying how much", () => {
    const long = "x".repeat(MAX_TOOL_OUTPUT_CHARS + 10);
    const events = mapAll([item("completed", command({ aggregated_output: long, exit_code: 0 }))]);
    const last = events.at(-1);
    const output = last?.type === "tool_result" ? last.data.output : "";
    expect(output.startsWith("x".repeat(MAX_TOOL_OUTPUT_CHARS))).toBe(true);
    expect(output.endsWith("\n… [output truncated: 10 more characters]")).toBe(true);
  });

  it("gives each step the usage since the previous one: Codex reports the thread's running total", () => {
    const steps = mapAll([usage(300, 60), { type: "turn.started" }, usage(1000, 100), usage(900, 100)]);
    expect(steps.map((e) => e.data)).toEqual([
      { tokens: { input: 300, output: 60 }, costUsd: 0 },
      { tokens: { input: 700, output: 40 }, costUsd: 0 },
      { tokens: { input: 0, output: 0 }, costUsd: 0 },
    ]);
    expect(mapAll([{ type: "turn.completed" }])).toEqual([
      { type: "step_finish", data: { tokens: { input: 0, output: 0 }, costUsd: 0 } },
    ]);
  });

  it("reports a failed turn as an error, unless it repeats the error line before it", () => {
    expect(mapAll([{ type: "turn.failed", error: { message: "context window exceeded" } }])).toEqual([
      { type: "error", data: { message: "context window exceeded" } },
    ]);
    expect(mapAll([{ type: "turn.failed" }])).toEqual([
      { type: "error", data: { message: "Codex's turn failed" } },
    ]);
    expect(
      mapAll([
        { type: "error", message: "Connection failed" },
        { type: "turn.failed", error: { message: "Connection failed" } },
      ]),
    ).toEqual([{ type: "error", data: { message: "Connection failed" } }]);
  });

  it("tells the runner the same outcome as parseCodexResult", () => {
    const stream = createCodexStream({ cwd: CWD });
    expect(stream.result()).toBeNull();
    for (const obj of lines("codex-0.169.0.exec.jsonl")) stream.map(obj);
    expect(stream.result()).toEqual({ success: true, summary: "Done (scripted)." });
  });
});

describe("parseCodexResult", () => {
  const message = (text: string) => item("completed", { id: "m", type: "agent_message", text });

  it("is null while no turn has ended, or when the last one started but never ended", () => {
    expect(parseCodexResult([])).toBeNull();
    expect(parseCodexResult([THREAD, { type: "turn.started" }, message("half")])).toBeNull();
    expect(parseCodexResult([usage(1, 1), { type: "turn.started" }])).toBeNull();
  });

  it("succeeds with the last agent message once a turn completes", () => {
    expect(parseCodexResult([message("First."), message("  Last.  "), message(" "), usage(1, 1)])).toEqual({
      success: true,
      summary: "Last.",
    });
    expect(parseCodexResult([usage(1, 1)])).toEqual({ success: true });
  });

  it("fails on turn.failed, whatever came before or after", () => {
    expect(
      parseCodexResult([
        message("Partial."),
        { type: "turn.failed", error: { message: "boom" } },
        usage(1, 1),
      ]),
    ).toEqual({ success: false, error: "boom" });
    expect(parseCodexResult([{ type: "error", message: "quota" }, { type: "turn.failed" }])).toEqual({
      success: false,
      error: "quota",
    });
    expect(parseCodexResult([{ type: "turn.failed" }])).toEqual({
      success: false,
      error: "Codex's turn failed",
    });
  });

  it("fails on an error line no completed turn follows, never reporting it as success", () => {
    expect(parseCodexResult([usage(1, 1), { type: "error", message: "late" }])).toEqual({
      success: false,
      error: "late",
    });
    expect(parseCodexResult([{ type: "turn.started" }, { type: "error", message: "gone" }])).toEqual({
      success: false,
      error: "gone",
    });
  });

  it("does not fail on an error line Codex recovered from (a retry), nor on a warning item", () => {
    expect(
      parseCodexResult([
        { type: "error", message: "Reconnecting... 1/5" },
        item("completed", { id: "w", type: "error", message: "warning" }),
        message("Done."),
        usage(1, 1),
      ]),
    ).toEqual({ success: true, summary: "Done." });
  });
});
