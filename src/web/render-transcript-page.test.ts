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
import type { SessionView } from "../core/session-view.js";
import type { Event } from "../core/wire.js";
import { renderTranscriptPage } from "./render-transcript-page.js";

/** The page of a one-run session, its events stored under run 1. */
const page = (view: SessionView, list: readonly Event[], now: Date) =>
  renderTranscriptPage(view, stored([1, list]), now);

const completedView = baseView({
  status: "completed",
  finishedAt: at(53),
  branchUrl: BRANCH_URL,
  pr: PR,
  summary: "Created `HELLO.md` with a short greeting. `git status` shows it as the only new file.",
});

/** The <main> of the page, which is what changes between events; head and CSS are checked apart. */
const mainOf = (html: string) => html.slice(html.indexOf("<header>"), html.indexOf("</main>") + 7);

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
    expect(mainOf(html)).toMatchSnapshot();
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html).toContain('<span class="badge st-completed">Done</span> <span>53s</span>');
    expect(html).toContain(
      '<a href="https://github.com/acme/widgets/pull/13" rel="nofollow noopener noreferrer">Pull request #13</a>',
    );
    // The summary was carried by execution_complete; the page does not say it twice.
    expect(html.match(/<p>Created <code>HELLO.md<\/code> with a short greeting/g)).toHaveLength(1);
  });

  it("shows every tool call's command and path, and leaves out heartbeats", () => {
    const html = page(completedView, events(), new Date(at(600)));
    expect(html).toContain(
      '<div class="tool"><b>Command</b> <span class="muted">Show changed files</span></div><pre class="cmd"><code>git status --short</code></pre>',
    );
    expect(html).toContain('<div class="tool"><b>Write</b> <code>HELLO.md</code></div>');
    expect(html).toContain("# Hello\n\nWritten by the scripted stand-in model.");
    expect(html).not.toContain("ev-heartbeat");
    const nonHeartbeats = events().filter((ev) => ev.type !== "heartbeat").length;
    expect(html.match(/<li id="ev-/g)).toHaveLength(nonHeartbeats);
  });

  it("is private and self-contained: noindex, no referrer, no external resources, no script", () => {
    const html = page(completedView, events(), new Date(at(600)));
    expect(html).toContain('<meta name="robots" content="noindex">');
    expect(html).toContain('<meta name="referrer" content="no-referrer">');
    expect(html).not.toMatch(/<script|<link\b|@import|url\(|\ssrc=/i);
    expect(html).toContain("prefers-color-scheme:dark");
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  });

  it("refreshes itself while the session is live, and stops once it is finished", () => {
    const refresh = '<meta http-equiv="refresh" content="5">';
    expect(page(baseView(), upTo(AFTER.bashRunning), new Date(at(65)))).toContain(refresh);
    expect(page(baseView({ status: "queued" }), [], new Date(at(1)))).toContain(refresh);
    for (const status of ["completed", "failed", "cancelled"] as const) {
      const html = page(baseView({ status, finishedAt: at(60) }), events(), new Date(at(61)));
      expect(html).not.toContain(refresh);
      expect(html).not.toContain("Working…");
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
          callId: "x",
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
        data: { callId: "x", output: "<script>alert('out')</script>\n</pre></details><b>", isError: true },
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
    });
    const html = renderTranscriptPage(
      { ...view, queue: [{ author: '"><script>', text: "<script>alert('queued')</script>" }] },
      stored([1, hostile]),
      new Date(at(10)),
    );
    expect(html).not.toMatch(/<script|<img|<svg|<b>branch|<\/pre><\/details><b>|href="javascript/i);
    expect(html).toContain("&lt;b&gt;branch&lt;/b&gt;");
    expect(html).toContain("&lt;script&gt;alert(&#39;out&#39;)&lt;/script&gt;");
    expect(html).toContain("echo &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39;");
    expect(html).toContain('<pre class="bad"><code>');
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
    expect(html).toContain('<details class="bad"><summary>Error of Command · 40 lines</summary>');
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
      '<div class="tool"><b>Edit</b> <code>README.md</code> <span class="muted">+1 −1</span></div>',
    );
    expect(html).toContain(
      '<pre class="del" aria-label="before"><code>Hello</code></pre><pre class="ins" aria-label="after"><code>Hello, edited</code></pre>',
    );
    expect(html).toContain(
      '<section class="outcome st-failed"><h2>Failed</h2><pre class="bad">The sandbox stopped answering.</pre></section>',
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
    const html = renderTranscriptPage(view, stored([1, events()], [2, secondRun]), new Date(at(1_030)));
    const first = html.indexOf('<section class="run" id="run-1">');
    const second = html.indexOf('<section class="run" id="run-2">');
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    // Run 1 ended: its own recorded status and its control-plane duration (first status to last).
    expect(html).toContain(
      '<h2>Run 1 <span class="muted">· Done · 53s · asked by @octocat · 2.9k tokens · $0.03</span></h2>',
    );
    // Run 2 is the session's current run: the session's status and a live clock.
    expect(html).toContain(
      '<h2>Run 2 <span class="muted">· Working… · 30s · asked by @alice · 910 tokens · &lt;$0.01</span></h2>',
    );
    expect(html.slice(first, second)).toContain("git status --short");
    expect(html.slice(second)).not.toContain("git status --short");
    expect(html.slice(second)).toContain("<b>Read</b> <code>HELLO.md</code>");
    // The header is the current run's; the footer adds up the whole session.
    expect(html).toContain('<span class="badge st-running">Working…</span> <span>30s</span>');
    expect(html).toContain(" <span>run 2</span>");
    expect(html).toMatch(
      /<footer id="end">[^<]*<code>ses_01JD8Z4K7Q<\/code> · 3\.8k tokens · \$0\.04 · 2 runs · live/,
    );
  });

  it("files events by their run number, whatever their clocks say", () => {
    // The sandbox of run 2 has a clock an hour behind: its events still belong to run 2.
    const skewed = secondRun.map((e) => (e.seq > 0 ? { ...e, at: at(-3_600) } : e));
    const html = renderTranscriptPage(view, stored([1, events()], [2, skewed]), new Date(at(1_030)));
    const second = html.indexOf('id="run-2"');
    expect(html.slice(second)).toContain("Now add a French greeting.");
    expect(html.slice(0, second)).not.toContain("Now add a French greeting.");
  });

  it("a one-run session has no run headings", () => {
    const html = renderTranscriptPage(completedView, stored([1, events()]), new Date(at(600)));
    expect(html).not.toContain('class="run"');
    expect(html).not.toContain("<h2>Run");
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
    const html = renderTranscriptPage(view, stored([1, upTo(AFTER.bashRunning)]), new Date(at(65)));
    expect(html).toContain('<section class="queue"><h2>Queued next: 2 requests</h2><ol><li>');
    expect(html).toContain(
      '<div class="who"><a href="https://github.com/alice" rel="nofollow noopener noreferrer">@alice</a></div><div class="md"><p>add tests for <strong>the greeting</strong></p>',
    );
    expect(html.indexOf("@alice")).toBeLessThan(html.indexOf("@bob"));
    expect(
      renderTranscriptPage(baseView(), stored([1, upTo(AFTER.bashRunning)]), new Date(at(65))),
    ).not.toContain("Queued next");
  });

  it("a stopped run names who stopped it and how many queued requests the stop cleared", () => {
    const view = baseView({ status: "cancelled", finishedAt: at(72), stoppedBy: "alice", queueCleared: 2 });
    const html = renderTranscriptPage(view, stored([1, upTo(AFTER.bashRunning)]), new Date(at(500)));
    expect(html).toContain(
      '<section class="outcome st-cancelled"><h2>Stopped</h2><p>Stopped by <a href="https://github.com/alice" rel="nofollow noopener noreferrer">@alice</a>.</p><p>The stop cleared 2 queued requests: they will not run.</p></section>',
    );
    const none = renderTranscriptPage(
      { ...view, queueCleared: 0 },
      stored([1, upTo(AFTER.bashRunning)]),
      new Date(at(500)),
    );
    expect(none).toContain("Stopped by");
    expect(none).not.toContain("cleared");
  });
});

describe("renderTranscriptPage: a follow-up not started yet", () => {
  it("shows the earlier run and a heading for the new one, waiting", () => {
    const view = baseView({ run: 2, status: "queued", runStartedAt: at(1_000), pr: PR });
    const html = renderTranscriptPage(view, stored([1, events()]), new Date(at(1_002)));
    expect(html).toContain('id="run-1"');
    expect(html).toContain(
      '<section class="run" id="run-2">\n<h2>Run 2 <span class="muted">· Starting… · 2s</span></h2>\n<p class="muted">Nothing yet.</p>',
    );
  });
});
