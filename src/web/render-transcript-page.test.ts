import { describe, expect, it } from "vitest";
import { AFTER, at, BRANCH_URL, baseView, events, PR, upTo } from "../../test/support/session-scenario.js";
import { escapeHtml } from "../core/escape-html.js";
import type { Event } from "../core/wire.js";
import { renderTranscriptPage } from "./render-transcript-page.js";

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
    const html = renderTranscriptPage(completedView, events(), new Date(at(600)));
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
    const html = renderTranscriptPage(completedView, events(), new Date(at(600)));
    expect(html).toContain('<pre class="cmd"><code>git status --short</code></pre>');
    expect(html).toContain('<code title="/workspace/repo/HELLO.md">HELLO.md</code>');
    expect(html).toContain("# Hello\n\nWritten by the scripted stand-in model.");
    expect(html).not.toContain("ev-heartbeat");
    const nonHeartbeats = events().filter((ev) => ev.type !== "heartbeat").length;
    expect(html.match(/<li id="ev-/g)).toHaveLength(nonHeartbeats);
  });

  it("is private and self-contained: noindex, no referrer, no external resources, no script", () => {
    const html = renderTranscriptPage(completedView, events(), new Date(at(600)));
    expect(html).toContain('<meta name="robots" content="noindex">');
    expect(html).toContain('<meta name="referrer" content="no-referrer">');
    expect(html).not.toMatch(/<script|<link\b|@import|url\(|\ssrc=/i);
    expect(html).toContain("prefers-color-scheme:dark");
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  });

  it("refreshes itself while the session is live, and stops once it is finished", () => {
    const refresh = '<meta http-equiv="refresh" content="5">';
    expect(renderTranscriptPage(baseView(), upTo(AFTER.bashRunning), new Date(at(65)))).toContain(refresh);
    expect(renderTranscriptPage(baseView({ status: "queued" }), [], new Date(at(1)))).toContain(refresh);
    for (const status of ["completed", "failed", "cancelled"] as const) {
      const html = renderTranscriptPage(baseView({ status, finishedAt: at(60) }), events(), new Date(at(61)));
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
          tool: "Bash",
          input: { command: "echo '<script>alert(1)</script>'", description: "<img src=x onerror=alert(2)>" },
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
          tool: "<svg onload=alert(3)>",
          input: { "</pre>": "<script>" },
          status: "running",
        },
      },
      { seq: 5, at: "<script>", type: "error", data: { message: "<script>alert('err')</script>" } },
      { seq: 6, at: at(6), type: "artifact", data: { kind: "pr", url: "javascript:alert(4)", number: 1 } },
    ];
    const view = baseView({
      issueTitle: "</title><script>alert('title')</script>",
      requester: '"><script>',
      branch: "<b>branch</b>",
      branchUrl: "javascript:alert(5)",
    });
    const html = renderTranscriptPage(view, hostile, new Date(at(10)));
    expect(html).not.toMatch(/<script|<img|<svg|<b>branch|<\/pre><\/details><b>|href="javascript/i);
    expect(html).toContain("&lt;b&gt;branch&lt;/b&gt;");
    expect(html).toContain("&lt;script&gt;alert(&#39;out&#39;)&lt;/script&gt;");
    expect(html).toContain("echo &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39;");
    expect(html).toContain('<pre class="bad"><code>');
  });

  it("collapses long output and marks errors", () => {
    const long = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
    const html = renderTranscriptPage(
      baseView(),
      [
        {
          seq: 1,
          at: at(1),
          type: "tool_call",
          data: { callId: "t", tool: "Bash", input: { command: "npm test" }, status: "running" },
        },
        { seq: 2, at: at(2), type: "tool_result", data: { callId: "t", output: long, isError: true } },
      ],
      new Date(at(3)),
    );
    expect(html).toContain('<details class="bad"><summary>Error of Bash · 40 lines</summary>');
  });

  it("renders an Edit as before and after, and a failed session's error at the end", () => {
    const edit: Event[] = [
      {
        seq: 1,
        at: at(1),
        type: "tool_call",
        data: {
          callId: "e",
          tool: "Edit",
          input: { file_path: "/workspace/repo/README.md", old_string: "Hello", new_string: "Hello, edited" },
          status: "running",
        },
      },
    ];
    const view = baseView({ status: "failed", finishedAt: at(9), error: "The sandbox stopped answering." });
    const html = renderTranscriptPage(view, edit, new Date(at(10)));
    expect(html).toContain(
      '<pre class="del" aria-label="before"><code>Hello</code></pre><pre class="ins" aria-label="after"><code>Hello, edited</code></pre>',
    );
    expect(html).toContain(
      '<section class="outcome st-failed"><h2>Failed</h2><pre class="bad">The sandbox stopped answering.</pre></section>',
    );
  });
});
