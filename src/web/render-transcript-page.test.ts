import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  AFTER,
  at,
  BRANCH_URL,
  baseView,
  events,
  PR,
  stored,
  upTo,
} from "../../test/support/session-scenario.js";
import { escapeHtml } from "../core/escape-html.js";
import type { SessionEvent } from "../core/session-event.js";
import type { SessionView } from "../core/session-view.js";
import type { Event } from "../core/wire.js";
import { FIRST_PAGE_EVENTS, renderTranscriptPage, transcriptCsp } from "./render-transcript-page.js";
import { TRANSCRIPT_CLIENT_JS } from "./transcript-client.js";
import { TRANSCRIPT_CSS } from "./transcript-css.js";
import { changedPathsOf, type TranscriptPageData, transcriptFacts } from "./transcript-facts.js";

/**
 * The page's data as the server reads it: facts from all of `list`, and the newest `window` events
 * (all of them by default) with a cursor for the ones before.
 */
function pageData(view: SessionView, list: SessionEvent[], window: number = list.length): TranscriptPageData {
  const events = window === 0 ? [] : list.slice(-window);
  const first = events[0]?.id;
  const olderCount = first === undefined ? list.length : list.filter((x) => x.id < first).length;
  return {
    view,
    events,
    results: [],
    facts: transcriptFacts(list, changedPathsOf(list), list.length),
    olderCursor: olderCount > 0 ? (first ?? (list.at(-1)?.id ?? 0) + 1) : null,
    olderCount,
    last: list.at(-1)?.id ?? 0,
  };
}

/** The page of a one-run session, its events stored under run 1. */
const page = (view: SessionView, list: readonly Event[], now: Date) =>
  renderTranscriptPage(pageData(view, stored([1, list])), now);

const completedView = baseView({
  status: "completed",
  finishedAt: at(53),
  branchUrl: BRANCH_URL,
  pr: PR,
  summary: "Created `HELLO.md` with a short greeting. `git status` shows it as the only new file.",
});

/** What the reader sees, between the head (style) and the script: checked apart. */
const bodyOf = (html: string) => html.slice(html.indexOf("<body"), html.indexOf("<script>"));

describe("escapeHtml", () => {
  it("escapes the five characters that matter in content and attributes", () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;",
    );
  });
});

describe("renderTranscriptPage", () => {
  it("renders the whole story of a completed session", () => {
    const html = page(completedView, events(), new Date(at(600)));
    expect(bodyOf(html)).toMatchSnapshot();
    expect(html.startsWith('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')).toBe(true);
    expect(html).toContain("<title>Done · acme/widgets#12 · Add a greeting file · Understudy</title>");
    expect(html).toContain('<body data-last="21" data-live="0" data-status="completed">');
    expect(html).toContain('<span class="badge st-completed">Done</span>');
    expect(html).toContain("<span>took 53s</span>");
    expect(html).toContain(
      '<a href="https://github.com/acme/widgets/pull/13" rel="nofollow noopener noreferrer">Pull request #13</a>',
    );
    // The summary was carried by execution_complete; the page does not say it twice.
    expect(html.match(/<p>Created <code>HELLO.md<\/code> with a short greeting/g)).toHaveLength(1);
    expect(html).toContain('<div id="outcome"></div>');
    expect(html).toContain('<footer id="end">Session <code>ses_01JD8Z4K7Q</code></footer>');
    expect(html).toContain("<dt>Events</dt><dd>21</dd>");
  });

  it("shows every tool call's command and path with its output, and leaves out heartbeats and usage", () => {
    const html = page(completedView, events(), new Date(at(600)));
    expect(html).toContain(
      '<span class="what"><code>git status --short</code> <span class="muted">Show changed files</span></span>',
    );
    expect(html).toContain('<pre class="cmd"><code>git status --short</code></pre>');
    expect(html).toContain('<span class="what">Write <code>HELLO.md</code></span>');
    expect(html).toContain("# Hello\n\nWritten by the scripted stand-in model.");
    expect(html).toContain('<li class="tool st-done" data-call="toolu_02" data-id="10" data-result="11">');
    // (The page's script names ev-tool_result: it removes such a row once its call is loaded.)
    expect(html.slice(0, html.indexOf("<script>"))).not.toMatch(
      /ev-heartbeat|ev-step_finish|ev-tool_call|ev-tool_result/,
    );
    // Every event the log shows is on the page once: as a row, or as the result in its call's row.
    const shown = stored([1, events()]).filter(
      (x) => x.event.type !== "heartbeat" && x.event.type !== "step_finish",
    );
    const ids = [...html.matchAll(/data-(?:id|result)="(\d+)"/g)].map((m) => Number(m[1]));
    expect(ids.sort((a, b) => a - b)).toEqual(shown.map((x) => x.id));
  });

  it("is private and self-contained: noindex, no referrer, nothing loaded, only its own inline script", () => {
    const html = page(completedView, events(), new Date(at(600)));
    expect(html).toContain('<meta name="robots" content="noindex">');
    expect(html).toContain('<meta name="referrer" content="no-referrer">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html.replace(`<script>${TRANSCRIPT_CLIENT_JS}</script>`, "")).not.toMatch(
      /<link\b|@import|url\(|\ssrc=/i,
    );
    expect(html).toContain("prefers-color-scheme:dark");
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain(`<script>${TRANSCRIPT_CLIENT_JS}</script>\n</body>\n</html>\n`);
    expect(html.match(/<style/g)).toHaveLength(1);
    expect(html).toContain(`<style>${TRANSCRIPT_CSS}</style>`);
    // Nothing in the script or the style can end its element early.
    expect(TRANSCRIPT_CLIENT_JS).not.toMatch(/<\/script|<!--/i);
    expect(TRANSCRIPT_CSS).not.toMatch(/<\/style/i);
  });

  it("a live page keeps itself current: its script, and a slow refresh for a browser without JavaScript", () => {
    const refresh = '<noscript><meta http-equiv="refresh" content="10"></noscript>';
    const live = page(baseView(), upTo(AFTER.bashRunning), new Date(at(65)));
    expect(live).toContain(refresh);
    expect(live).toContain('<body data-last="10" data-live="1" data-status="running">');
    expect(live).toContain('<span class="working" role="status" aria-label="working">');
    expect(live).toContain('<span class="elapsed" data-since="2026-11-24T02:14:00.000Z">1m 05s</span>');
    expect(live).not.toMatch(/http-equiv="refresh" content="5"/);
    const queued = renderTranscriptPage(pageData(baseView({ status: "queued" }), []), new Date(at(1)));
    expect(queued).toContain(refresh);
    expect(queued).toContain('<body data-last="0" data-live="1" data-status="queued">');
    expect(queued).toContain(
      '<p id="nothing" class="muted">Nothing has happened yet.</p>\n<div id="runs"></div>',
    );
    for (const status of ["completed", "failed", "cancelled"] as const) {
      const html = page(baseView({ status, finishedAt: at(60) }), events(), new Date(at(61)));
      expect(html).not.toContain("http-equiv");
      expect(bodyOf(html)).not.toContain('class="working"');
      expect(bodyOf(html)).not.toContain("data-since");
      expect(html).toContain(`data-live="0" data-status="${status}"`);
      expect(html).toContain(`<script>${TRANSCRIPT_CLIENT_JS}</script>`);
    }
  });

  it("escapes <script> in agent text, tool input and tool output, and in session fields", () => {
    const hostile: Event[] = [
      { seq: 1, at: at(1), type: "assistant_text", data: { text: "Look: <script>alert('text')</script>" } },
      {
        seq: 2,
        at: at(2),
        type: "tool_call",
        data: {
          callId: 'x"><script>',
          kind: "shell",
          name: "Bash",
          command: "echo '<script>alert(1)</script>'",
          description: "<img src=x onerror=alert(2)>",
          status: "running",
        },
      },
      {
        seq: 3,
        at: at(3),
        type: "tool_result",
        data: {
          callId: 'x"><script>',
          output: "<script>alert('out')</script>\n</pre></details><b>",
          isError: true,
        },
      },
      {
        seq: 4,
        at: at(4),
        type: "tool_call",
        data: {
          callId: "y",
          kind: "other",
          name: "<svg onload=alert(3)>",
          input: { "</pre>": "<script>" },
          status: "running",
        },
      },
      {
        seq: 5,
        at: at(5),
        type: "tool_call",
        data: {
          callId: "z",
          kind: "edit",
          name: "Edit",
          path: "<b>x</b>.ts",
          edits: [{ before: "</pre><script>", after: "<img src=x>" }],
          status: "running",
        },
      },
      {
        seq: 6,
        at: at(6),
        type: "tool_call",
        data: { callId: "w", kind: "web", name: "WebFetch", url: "javascript:alert(6)", status: "running" },
      },
      { seq: 7, at: "<script>", type: "error", data: { message: "<script>alert('err')</script>" } },
      { seq: 8, at: at(8), type: "artifact", data: { kind: "pr", url: "javascript:alert(4)", number: 1 } },
    ];
    const view = baseView({
      issueTitle: "</title><script>alert('title')</script>",
      requester: '"><script>',
      branch: "<b>branch</b>",
      branchUrl: "javascript:alert(5)",
      queue: [{ author: '"><script>', text: "<script>alert('queued')</script>" }],
    });
    const html = renderTranscriptPage(pageData(view, stored([1, hostile])), new Date(at(10)));
    const body = bodyOf(html);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(body).not.toMatch(/<script|<img|<svg|<b>branch|<\/pre><\/details><b>|href="javascript/i);
    expect(html).toContain("<title>Working… · acme/widgets#12 · &lt;/title&gt;&lt;script&gt;");
    expect(body).toContain("&lt;b&gt;branch&lt;/b&gt;");
    expect(body).toContain("&lt;script&gt;alert(&#39;out&#39;)&lt;/script&gt;");
    expect(body).toContain("echo &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39;");
    expect(body).toContain('data-call="x&quot;&gt;&lt;script&gt;"');
    expect(body).toContain('<pre class="bad"><code>');
  });

  it("collapses long output and marks errors", () => {
    const long = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
    const html = page(
      baseView(),
      [
        {
          seq: 1,
          at: at(1),
          type: "tool_call",
          data: { callId: "t", kind: "shell", name: "Bash", command: "npm test", status: "running" },
        },
        { seq: 2, at: at(2), type: "tool_result", data: { callId: "t", output: long, isError: true } },
      ],
      new Date(at(3)),
    );
    expect(html).toContain('<li class="tool st-error" data-call="t" data-id="1" data-result="2">');
    expect(html).toContain('<div class="result"><details class="bad"><summary>Error · 40 lines</summary>');
  });

  it("renders an Edit as before and after, and a failed session's error at the end", () => {
    const edit: Event[] = [
      {
        seq: 1,
        at: at(1),
        type: "tool_call",
        data: {
          callId: "e",
          kind: "edit",
          name: "Edit",
          path: "README.md",
          edits: [{ before: "Hello", after: "Hello, edited" }],
          added: 1,
          removed: 1,
          status: "running",
        },
      },
    ];
    const view = baseView({ status: "failed", finishedAt: at(9), error: "The sandbox stopped answering." });
    const html = page(view, edit, new Date(at(10)));
    expect(html).toContain(
      '<span class="what">Edit <code>README.md</code> <span class="muted">+1 −1</span></span>',
    );
    expect(html).toContain(
      '<pre class="del" aria-label="before"><code>Hello</code></pre><pre class="ins" aria-label="after"><code>Hello, edited</code></pre>',
    );
    expect(html).toContain(
      '<div id="outcome"><section class="outcome st-failed"><h2>Failed</h2><pre class="bad">The sandbox stopped answering.</pre></section></div>',
    );
    expect(html).toContain(
      '<div class="banner bad" role="alert"><b>This run failed.</b> The sandbox stopped answering.</div>',
    );
  });
});

describe("renderTranscriptPage over several runs", () => {
  /** Run 2, a follow-up on the same branch: read the file, then still working. */
  const secondRun: Event[] = [
    { seq: 0, at: at(1_000), type: "session_status", data: { status: "queued" } },
    {
      seq: 22,
      at: at(1_004),
      type: "user_message",
      data: { text: "Now add a French greeting.", author: "alice" },
    },
    {
      seq: 23,
      at: at(1_005),
      type: "tool_call",
      data: { callId: "r2", kind: "read", name: "Read", path: "HELLO.md", status: "running" },
    },
    {
      seq: 24,
      at: at(1_006),
      type: "step_finish",
      data: { tokens: { input: 900, output: 10 }, costUsd: 0.004 },
    },
  ];
  const view = baseView({ run: 2, runStartedAt: at(1_000), branchUrl: BRANCH_URL, pr: PR });

  it("shows every run under its own heading, in run order, with how each ended", () => {
    const html = renderTranscriptPage(
      pageData(view, stored([1, events()], [2, secondRun])),
      new Date(at(1_030)),
    );
    const first = html.indexOf('<section class="run" id="run-1" data-run="1">');
    const second = html.indexOf('<section class="run" id="run-2" data-run="2">');
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    // Run 1 ended: its own recorded status and its control-plane duration (first status to last).
    expect(html).toContain(
      '<h2 class="run-head">Run 1 <span class="muted">· Done · 53s · asked by @octocat · 2.9k tokens · $0.03</span></h2>',
    );
    // Run 2 is the session's current run: the session's status; its clock ticks in the header.
    expect(html).toContain(
      '<h2 class="run-head">Run 2 <span class="muted">· Working… · asked by @alice · 910 tokens · &lt;$0.01</span></h2>',
    );
    expect(html.slice(first, second)).toContain("git status --short");
    expect(html.slice(second)).not.toContain("git status --short");
    expect(html.slice(second)).toContain('<span class="what">Read <code>HELLO.md</code></span>');
    // The header is the current run's; the details panel and the footer add up the whole session.
    expect(html).toContain('<span class="badge st-running">Working…</span>');
    expect(html).toContain('<span class="elapsed" data-since="2026-11-24T02:30:40.000Z">30s</span>');
    expect(html).toContain(" <span>run 2</span>");
    expect(html).toContain("<dt>Tokens</dt><dd>3.8k tokens</dd><dt>Cost</dt><dd>$0.04</dd>");
    expect(html).toContain("<dt>Runs</dt><dd>2</dd>");
    expect(html).toContain("<dt>Events</dt><dd>25</dd>");
  });

  it("files events by their run number, whatever their clocks say", () => {
    // The sandbox of run 2 has a clock an hour behind: its events still belong to run 2.
    const skewed = secondRun.map((e) => (e.seq > 0 ? { ...e, at: at(-3_600) } : e));
    const html = renderTranscriptPage(
      pageData(view, stored([1, events()], [2, skewed])),
      new Date(at(1_030)),
    );
    const second = html.indexOf('id="run-2"');
    expect(html.slice(second)).toContain("Now add a French greeting.");
    expect(html.slice(0, second)).not.toContain("Now add a French greeting.");
  });

  it("every run has a heading, the only run of a session too", () => {
    const html = renderTranscriptPage(pageData(completedView, stored([1, events()])), new Date(at(600)));
    expect(bodyOf(html).match(/<section class="run"/g)).toHaveLength(1);
    expect(html).toContain('<h2 class="run-head">Run 1 <span class="muted">· Done · 53s');
  });
});

describe("renderTranscriptPage: queue and stops", () => {
  it("lists what is queued next, in order, with who asked", () => {
    const view = baseView({
      queue: [
        { author: "alice", text: "add tests for **the greeting**" },
        { author: "bob", text: "rename it" },
      ],
    });
    const html = page(view, upTo(AFTER.bashRunning), new Date(at(65)));
    expect(html).toContain('<div id="queue"><section class="queue"><h2>Queued next: 2 requests</h2><ol><li>');
    expect(html).toContain(
      '<div class="who"><a href="https://github.com/alice" rel="nofollow noopener noreferrer">@alice</a></div><div class="md"><p>add tests for <strong>the greeting</strong></p>',
    );
    expect(html.indexOf("@alice")).toBeLessThan(html.indexOf("@bob"));
    expect(page(baseView(), upTo(AFTER.bashRunning), new Date(at(65)))).toContain('<div id="queue"></div>');
  });

  it("a stopped run names who stopped it and how many queued requests the stop cleared", () => {
    const view = baseView({ status: "cancelled", finishedAt: at(72), stoppedBy: "alice", queueCleared: 2 });
    const html = page(view, upTo(AFTER.bashRunning), new Date(at(500)));
    expect(html).toContain('<div class="banner" role="status"><b>Stopped by @alice.</b></div>');
    expect(html).toContain(
      '<div id="outcome"><section class="outcome st-cancelled"><h2>Stopped</h2><p>The stop cleared 2 queued requests: they will not run.</p></section></div>',
    );
    const none = page({ ...view, queueCleared: 0 }, upTo(AFTER.bashRunning), new Date(at(500)));
    expect(none).toContain("Stopped by @alice.");
    expect(none).not.toContain("cleared");
  });
});

describe("renderTranscriptPage: a follow-up not started yet", () => {
  it("shows the earlier run and a heading for the new one, waiting", () => {
    const view = baseView({ run: 2, status: "queued", runStartedAt: at(1_000), pr: PR });
    const queued: Event = { seq: 0, at: at(1_000), type: "session_status", data: { status: "queued" } };
    const html = renderTranscriptPage(
      pageData(view, stored([1, events()], [2, [queued]])),
      new Date(at(1_002)),
    );
    expect(html).toContain('id="run-1"');
    expect(html).toContain(
      '<section class="run" id="run-2" data-run="2"><h2 class="run-head">Run 2 <span class="muted">· Starting…</span></h2><ol class="log"><li class="ev ev-session_status" data-id="22">',
    );
    expect(html).toContain('<span class="badge st-queued">Starting…</span>');
  });
});

/**
 * A long session as an agent really runs one: a thought, then reading, testing and editing, each
 * with output of a few kilobytes; usage and heartbeats between.
 */
function longSession(n: number): SessionEvent[] {
  const list: Event[] = [
    { seq: 1, at: at(0), type: "session_status", data: { status: "running" } },
    {
      seq: 2,
      at: at(1),
      type: "user_message",
      data: {
        text: "Fix every failing test in the `billing` package, then make lint pass.",
        author: "octocat",
      },
    },
  ];
  const code = (i: number) =>
    Array.from(
      { length: 40 },
      (_, l) => `export function step${i}_${l}(input: number): number { return input * ${l} + ${i}; }`,
    ).join("\n");
  const testOutput = (i: number) =>
    Array.from(
      { length: 40 },
      (_, l) => `  ✓ billing/invoice-${i % 50}.test.ts > computes line ${l} of the invoice (${l % 7}ms)`,
    ).join("\n");
  for (let i = 0; list.length < n; i++) {
    const t = 2 + i * 10;
    const path = `packages/billing/src/module-${i % 300}/invoice-${i}.ts`;
    const cycle: Omit<Event, "seq">[] = [
      {
        at: at(t),
        type: "assistant_text",
        data: {
          text: `Step ${i}: the failure in \`${path}\` comes from rounding. I will read the file, run the tests for it, and then:\n\n- round once, at the end\n- keep the **currency** as it is\n\nThat should fix \`invoice-${i}.test.ts\`.`,
        },
      },
      {
        at: at(t + 1),
        type: "tool_call",
        data: { callId: `r${i}`, kind: "read", name: "Read", path, status: "running" },
      },
      { at: at(t + 2), type: "tool_result", data: { callId: `r${i}`, output: code(i), isError: false } },
      {
        at: at(t + 3),
        type: "tool_call",
        data: {
          callId: `s${i}`,
          kind: "shell",
          name: "Bash",
          command: `npx vitest run packages/billing/src/module-${i % 300} --reporter=verbose`,
          description: "Run the module's tests",
          status: "running",
        },
      },
      {
        at: at(t + 4),
        type: "tool_result",
        data: { callId: `s${i}`, output: testOutput(i), isError: i % 3 === 0 },
      },
      {
        at: at(t + 5),
        type: "tool_call",
        data: {
          callId: `e${i}`,
          kind: "edit",
          name: "Edit",
          path,
          edits: [
            {
              before: `  return Math.round(total * rate) / 100;\n  // TODO(${i}): currency`,
              after: `  const cents = Math.round(total * rate);\n  return cents / 100; // ${i}: rounded once`,
            },
          ],
          added: 2,
          removed: 2,
          status: "running",
        },
      },
      {
        at: at(t + 6),
        type: "tool_result",
        data: { callId: `e${i}`, output: `The file ${path} has been updated.`, isError: false },
      },
      {
        at: at(t + 7),
        type: "step_finish",
        data: { tokens: { input: 12_000 + i, output: 400 }, costUsd: 0.021 },
      },
      { at: at(t + 8), type: "heartbeat", data: {} },
    ];
    for (const e of cycle) if (list.length < n) list.push({ ...e, seq: list.length + 1 } as Event);
  }
  return stored([1, list]);
}

describe("renderTranscriptPage: the first response of a long session", () => {
  it(`carries only the newest ${FIRST_PAGE_EVENTS} of 10,000 events, under 300 kB, and offers the rest`, () => {
    const list = longSession(10_000);
    expect(list).toHaveLength(10_000);
    const view = baseView({ branchUrl: BRANCH_URL, pr: PR });
    const t0 = performance.now();
    const data = pageData(view, list, FIRST_PAGE_EVENTS);
    const t1 = performance.now();
    const html = renderTranscriptPage(data, new Date(at(100_000)));
    const t2 = performance.now();
    const bytes = Buffer.byteLength(html, "utf8");
    console.log(
      `10,000-event session: first page ${bytes.toLocaleString("en-US")} bytes, rendered in ${(t2 - t1).toFixed(1)} ms (facts from all 10,000 events: ${(t1 - t0).toFixed(1)} ms more)`,
    );
    expect(bytes).toBeLessThan(300_000);
    const first = list[10_000 - FIRST_PAGE_EVENTS]?.id;
    expect(first).toBe(9_851);
    expect(html).toContain(
      `<p class="older-wrap"><button id="older" type="button" data-cursor="9851" hidden>Load 9,850 earlier events</button><noscript>9,850 earlier events are in the <a href="https://understudy.example.com/sessions/ses_01JD8Z4K7Q/events?sig=abc123">log as JSON</a>.</noscript></p>`,
    );
    expect(html).toContain('<body data-last="10000" data-live="1" data-status="running">');
    // Only the window's events are on the page; the facts cover the whole session.
    const ids = [...html.matchAll(/data-(?:id|result)="(\d+)"/g)].map((m) => Number(m[1]));
    expect(Math.min(...ids)).toBeGreaterThanOrEqual(9_851);
    expect(html).toContain("<dt>Events</dt><dd>10,000</dd>");
    expect(html).toContain('<li class="muted">and 911 more</li>');
    expect(html).toContain("<dt>Events</dt><dd>10,000</dd>");
  });

  it("one earlier event is one event", () => {
    const list = stored([1, events()]);
    const html = renderTranscriptPage(pageData(baseView(), list, list.length - 1), new Date(at(60)));
    expect(html).toContain('data-cursor="2" hidden>Load 1 earlier event</button>');
    expect(page(baseView(), events(), new Date(at(60)))).not.toContain('id="older"');
  });
});

describe("transcriptCsp", () => {
  const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("base64");

  it("allows the page's one script and one style by hash, and nothing inline", async () => {
    const csp = await transcriptCsp();
    const directives = new Map(
      csp.split(";").map((d) => {
        const [name = "", ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get("default-src")).toEqual(["'none'"]);
    expect(directives.get("script-src")).toEqual([`'sha256-${sha256(TRANSCRIPT_CLIENT_JS)}'`]);
    expect(directives.get("style-src")).toEqual([`'sha256-${sha256(TRANSCRIPT_CSS)}'`]);
    expect(csp.match(/sha256-/g)).toHaveLength(2);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|\*/);
    expect(directives.get("connect-src")).toEqual(["'self'"]);
    expect(directives.get("base-uri")).toEqual(["'none'"]);
    expect(directives.get("form-action")).toEqual(["'none'"]);
    expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
    expect(await transcriptCsp()).toBe(csp);
  });

  it("the hashes are of exactly what the page carries", async () => {
    const html = page(completedView, events(), new Date(at(600)));
    const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? "";
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    const csp = await transcriptCsp();
    expect(csp).toContain(`script-src 'sha256-${sha256(script)}'`);
    expect(csp).toContain(`style-src 'sha256-${sha256(style)}'`);
  });
});
