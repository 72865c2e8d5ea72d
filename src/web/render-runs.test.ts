import { describe, expect, it } from "vitest";
import { at, stored } from "../../test/support/session-scenario.js";
import type { Event, ToolCall, ToolKind } from "../core/wire.js";
import { renderRuns } from "./render-runs.js";

/** Events of a small log, numbered as the sandbox would: one builder per kind of row. */
function log() {
  let seq = 0;
  const next = () => ++seq;
  const call = (callId: string, kind: ToolKind, more: Partial<ToolCall> = {}): Event => ({
    seq: next(),
    at: at(seq),
    type: "tool_call",
    data: { callId, kind, name: kind === "shell" ? "Bash" : kind, status: "running", ...more },
  });
  return {
    read: (callId: string, path: string) => call(callId, "read", { name: "Read", path }),
    shell: (callId: string, command: string, more: Partial<ToolCall> = {}) =>
      call(callId, "shell", { command, ...more }),
    call,
    result: (callId: string, output: string, isError = false): Event => ({
      seq: next(),
      at: at(seq),
      type: "tool_result",
      data: { callId, output, isError },
    }),
    text: (text: string): Event => ({ seq: next(), at: at(seq), type: "assistant_text", data: { text } }),
    user: (text: string, author?: string): Event => ({
      seq: next(),
      at: at(seq),
      type: "user_message",
      data: author === undefined ? { text } : { text, author },
    }),
    heartbeat: (): Event => ({ seq: next(), at: at(seq), type: "heartbeat", data: {} }),
    step: (): Event => ({
      seq: next(),
      at: at(seq),
      type: "step_finish",
      data: { tokens: { input: 10, output: 2 }, costUsd: 0.001 },
    }),
  };
}

/**
 * The layout of rendered runs in one line per row, for readable comparisons: `run N`, then each
 * row: `ev <type> #<id>`, or a group `group <kind> "<label>"` (` many` when it has more than one)
 * followed by its calls, indented: `  call <callId> #<id> st-<state>` (` r#<result id>` once merged).
 * User text is escaped on the page, so none of these patterns can be forged by it.
 */
function outline(html: string): string[] {
  const out: string[] = [];
  const re =
    /<section class="run" id="run-(\d+)"|<li class="group( many)?" data-kind="(\w+)"[^>]*><div class="glabel"><span[^>]*>[^<]*<\/span> <span class="gtext">([^<]*)<\/span>|<li class="tool st-(\w+)" data-call="([^"]*)" data-id="(\d+)"(?: data-result="(\d+)")?|<li class="ev ev-(\w+)" data-id="(\d+)"/g;
  for (const m of html.matchAll(re)) {
    if (m[1] !== undefined) out.push(`run ${m[1]}`);
    else if (m[3] !== undefined) out.push(`group ${m[3]} "${m[4]}"${m[2] ? " many" : ""}`);
    else if (m[5] !== undefined) out.push(`  call ${m[6]} #${m[7]} st-${m[5]}${m[8] ? ` r#${m[8]}` : ""}`);
    else out.push(`ev ${m[9]} #${m[10]}`);
  }
  return out;
}

const one = (list: Event[]) => renderRuns(stored([1, list]), new Map());

describe("renderRuns: groups", () => {
  it("puts consecutive calls of one kind in one group, counted in words", () => {
    const l = log();
    const html = one([
      l.read("a", "src/a.ts"),
      l.read("b", "src/b.ts"),
      l.read("c", "src/c.ts"),
      l.shell("d", "npm test"),
      l.shell("e", "npm run lint"),
    ]);
    expect(outline(html)).toEqual([
      "run 1",
      'group read "Read 3 files" many',
      "  call a #1 st-running",
      "  call b #2 st-running",
      "  call c #3 st-running",
      'group shell "Ran 2 commands" many',
      "  call d #4 st-running",
      "  call e #5 st-running",
    ]);
    expect(html).toContain(
      '<li class="group many" data-kind="read" data-verb="Read" data-one="file" data-many="files"><div class="glabel"><span class="ico" aria-hidden="true">📄</span> <span class="gtext">Read 3 files</span></div><ol class="calls"><li class="tool st-running" data-call="a" data-id="1">',
    );
  });

  it("marks a group `many` only from two calls, and says each kind in its own words", () => {
    const l = log();
    const html = one([
      l.call("w", "write", { name: "Write", path: "a.md", content: "x" }),
      l.text("then"),
      l.call("e1", "edit", { name: "Edit", path: "a.md" }),
      l.call("e2", "edit", { name: "Edit", path: "a.md" }),
      l.text("then"),
      l.call("s", "search", { name: "Grep", query: "TODO" }),
      l.text("then"),
      l.call("f", "web", { name: "WebFetch", url: "https://example.com/" }),
      l.text("then"),
      l.call("o", "other", { name: "TodoWrite" }),
      l.shell("x", "ls"),
    ]);
    expect(outline(html).filter((r) => r.startsWith("group"))).toEqual([
      'group write "Wrote 1 file"',
      'group edit "Made 2 edits" many',
      'group search "Ran 1 search"',
      'group web "Made 1 web request"',
      'group other "Used 1 tool"',
      'group shell "Ran 1 command"',
    ]);
    expect(html).toContain('<li class="group" data-kind="write"');
    expect(html).not.toContain('<li class="group many" data-kind="write"');
  });

  it("starts a new group after a call of another kind or a message", () => {
    const l = log();
    const html = one([
      l.read("a", "a.ts"),
      l.shell("b", "ls"),
      l.read("c", "c.ts"),
      l.text("Now the tests."),
      l.read("d", "d.ts"),
      l.user("keep going", "alice"),
      l.read("e", "e.ts"),
    ]);
    expect(outline(html)).toEqual([
      "run 1",
      'group read "Read 1 file"',
      "  call a #1 st-running",
      'group shell "Ran 1 command"',
      "  call b #2 st-running",
      'group read "Read 1 file"',
      "  call c #3 st-running",
      "ev assistant_text #4",
      'group read "Read 1 file"',
      "  call d #5 st-running",
      "ev user_message #6",
      'group read "Read 1 file"',
      "  call e #7 st-running",
    ]);
  });

  it("heartbeats and usage reports neither break a group nor show as rows", () => {
    const l = log();
    const html = one([
      l.read("a", "a.ts"),
      l.heartbeat(),
      l.step(),
      l.read("b", "b.ts"),
      l.heartbeat(),
      l.read("c", "c.ts"),
    ]);
    expect(outline(html)).toEqual([
      "run 1",
      'group read "Read 3 files" many',
      "  call a #1 st-running",
      "  call b #4 st-running",
      "  call c #6 st-running",
    ]);
    expect(html).not.toMatch(/ev-heartbeat|ev-step_finish|data-id="[23]"|data-id="5"/);
  });

  it("a result between two calls of one kind goes into its call and does not break the group", () => {
    const l = log();
    const html = one([l.read("a", "a.ts"), l.result("a", "1\n"), l.read("b", "b.ts"), l.result("b", "2\n")]);
    expect(outline(html)).toEqual([
      "run 1",
      'group read "Read 2 files" many',
      "  call a #1 st-done r#2",
      "  call b #3 st-done r#4",
    ]);
  });

  it("groups only within a run: each run has its own section and groups", () => {
    const l = log();
    const html = renderRuns(
      stored([1, [l.read("a", "a.ts")]], [2, [l.read("b", "b.ts")]]),
      new Map([
        [1, "Run 1 <span>one</span>"],
        [2, "Run 2"],
      ]),
    );
    expect(outline(html)).toEqual([
      "run 1",
      'group read "Read 1 file"',
      "  call a #1 st-running",
      "run 2",
      'group read "Read 1 file"',
      "  call b #2 st-running",
    ]);
    expect(html).toContain(
      '<section class="run" id="run-1" data-run="1"><h2 class="run-head">Run 1 <span>one</span></h2><ol class="log">',
    );
  });

  it("every run with a row has a heading, named by its number when none is given", () => {
    const l = log();
    const html = renderRuns(stored([3, [l.text("hi")]]), new Map());
    expect(html).toMatch(/^<section class="run" id="run-3" data-run="3"><h2 class="run-head">Run 3<\/h2>/);
    // A run whose events are all quiet has nothing to show.
    expect(renderRuns(stored([1, [l.heartbeat(), l.step()]]), new Map())).toBe("");
  });
});

describe("renderRuns: a call and its result are one row", () => {
  it("puts a result inside its call's row, with the call's state and the result's id", () => {
    const l = log();
    const html = one([
      l.shell("ok", "npm test"),
      l.shell("bad", "npm run lint"),
      l.result("ok", "42 passed"),
      l.result("bad", "Exit code 1\nlint failed", true),
    ]);
    expect(outline(html)).toEqual([
      "run 1",
      'group shell "Ran 2 commands" many',
      "  call ok #1 st-done r#3",
      "  call bad #2 st-error r#4",
    ]);
    expect(html).toContain(
      '<div class="result"><div class="label">Output</div><pre><code>42 passed</code></pre></div></details></li>',
    );
    expect(html).toContain(
      '<div class="result"><div class="label bad">Error</div><pre class="bad"><code>Exit code 1\nlint failed</code></pre></div></details></li>',
    );
    expect(html).not.toContain("ev-tool_result");
  });

  it("a call without a result yet has an empty result and shows as running", () => {
    const html = one([log().shell("a", "sleep 5")]);
    expect(html).toContain('<li class="tool st-running" data-call="a" data-id="1">');
    expect(html).toContain('<div class="result"></div></details></li>');
  });

  it("a call re-emitted under its id replaces its row in place and keeps the result", () => {
    const l = log();
    const html = one([
      l.read("a", "a.ts"),
      l.read("b", "b.ts"),
      l.result("a", "contents of a"),
      l.read("c", "c.ts"),
      // The adapter says more about `a` once it finished: a completed call, with the real path.
      l.call("a", "read", { name: "Read", path: "src/a-final.ts", status: "completed" }),
    ]);
    expect(outline(html)).toEqual([
      "run 1",
      'group read "Read 3 files" many',
      "  call a #5 st-done r#3",
      "  call b #2 st-running",
      "  call c #4 st-running",
    ]);
    expect(html).toContain("src/a-final.ts");
    expect(html).not.toContain("<code>a.ts</code>");
    expect(html).toContain("contents of a");
    expect(html.match(/data-call="a"/g)).toHaveLength(1);
  });

  it("a re-emitted call keeps its result's state over its own, and takes its own state before a result", () => {
    const l = log();
    const html = one([
      l.shell("a", "false"),
      l.result("a", "Exit code 1", true),
      l.call("a", "shell", { command: "false", status: "completed" }),
      l.shell("b", "true"),
      l.call("b", "shell", { command: "true", status: "error" }),
    ]);
    expect(outline(html)).toEqual([
      "run 1",
      'group shell "Ran 2 commands" many',
      "  call a #3 st-error r#2",
      "  call b #5 st-error",
    ]);
  });

  it("a later result for the same call replaces the first", () => {
    const l = log();
    const html = one([l.shell("a", "make"), l.result("a", "first", true), l.result("a", "second")]);
    expect(outline(html)).toEqual(["run 1", 'group shell "Ran 1 command"', "  call a #1 st-done r#3"]);
    expect(html).not.toContain("first");
  });

  it("a result whose call is not in the events is a row of its own, and ends a group", () => {
    const l = log();
    const html = one([l.read("a", "a.ts"), l.result("elsewhere", "orphan output"), l.read("b", "b.ts")]);
    expect(outline(html)).toEqual([
      "run 1",
      'group read "Read 1 file"',
      "  call a #1 st-running",
      "ev tool_result #2",
      'group read "Read 1 file"',
      "  call b #3 st-running",
    ]);
    expect(html).toContain(
      '<li class="ev ev-tool_result" data-id="2"><time datetime="2026-11-24T02:14:02.000Z" title="2026-11-24T02:14:02.000Z">02:14:02</time><div class="label">Output</div><pre><code>orphan output</code></pre></li>',
    );
  });

  it("a result in a later run still goes into its call's row, where the call is", () => {
    const l = log();
    const call = l.shell("a", "make");
    const result = l.result("a", "done");
    const html = renderRuns(stored([1, [call]], [2, [result, l.text("next")]]), new Map());
    expect(outline(html)).toEqual([
      "run 1",
      'group shell "Ran 1 command"',
      "  call a #1 st-done r#2",
      "run 2",
      "ev assistant_text #3",
    ]);
  });

  it("`results` after the window fill in the calls that have none, and nothing else", () => {
    const l = log();
    const page = stored([1, [l.shell("a", "make"), l.shell("b", "make test"), l.result("b", "b's own")]]);
    const later = [
      { id: 10, run: 1, event: l.result("a", "a's result, stored after the page", true) },
      { id: 11, run: 1, event: l.result("b", "b again") },
      { id: 12, run: 1, event: l.result("zzz", "a call not on the page") },
      { id: 13, run: 1, event: l.heartbeat() },
    ];
    const html = renderRuns(page, new Map(), later);
    expect(outline(html)).toEqual([
      "run 1",
      'group shell "Ran 2 commands" many',
      "  call a #1 st-error r#10",
      "  call b #2 st-done r#3",
    ]);
    expect(html).toContain("a&#39;s result, stored after the page");
    expect(html).toContain("b&#39;s own");
    expect(html).not.toContain("b again");
    expect(html).not.toContain("a call not on the page");
  });
});
