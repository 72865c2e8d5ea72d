/**
 * Script injection, every field at once: each payload goes into every string the session view and
 * the events carry, and the whole page, every live fragment and every page part must still be
 * markup the renderers wrote. The checks read the markup as a browser would (tags, attributes,
 * entity-decoded URLs), not by looking for one payload's text.
 */
import { describe, expect, it } from "vitest";
import { at, baseView, stored } from "../../test/support/session-scenario.js";
import { XSS_PAYLOADS } from "../../test/support/xss-corpus.js";
import type { SessionEvent } from "../core/session-event.js";
import type { SessionView } from "../core/session-view.js";
import type { Event, EventInput, SessionStatus } from "../core/wire.js";
import { renderPageParts } from "./render-page-parts.js";
import { renderRuns } from "./render-runs.js";
import { renderTranscriptPage } from "./render-transcript-page.js";
import { TRANSCRIPT_CLIENT_JS } from "./transcript-client.js";
import { TRANSCRIPT_CSS } from "./transcript-css.js";
import { changedPathsOf, type TranscriptPageData, transcriptFacts } from "./transcript-facts.js";
import { toFragments } from "./transcript-fragments.js";

const PAYLOADS: readonly string[] = [
  "<script>alert(1)</script>",
  "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
  "<scr<script>ipt>alert(1)</scr</script>ipt>",
  "<img src=x onerror=alert(1)>",
  "<svg onload=alert(1)>",
  "<svg><script>alert(1)</script></svg>",
  "[x](javascript:alert(1))",
  "[x](JaVaScRiPt:alert(1))",
  "[x](java&#x09;script:alert(1))",
  "[x](java\tscript:alert(1))",
  "[x](&#106;avascript:alert(1))",
  "[x](javascript&colon;alert(1))",
  "[x](<javascript:alert(1)>)",
  "[x]( \u0001javascript:alert(1))",
  "[x](vbscript:msgbox(1))",
  "<javascript:alert(1)>",
  "<JaVaScRiPt:alert(1)>",
  "[ref][r]\n\n[r]: javascript:alert(1)",
  '[ref][r]\n\n[r]: &#x6A;avascript:alert(1) "title"',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="&#x6A;avascript:alert(1)">x</a>',
  "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  "![x](data:image/svg+xml,<svg onload=alert(1)>)",
  "![x](javascript:alert(1))",
  "&lt;script&gt;alert(1)&lt;/script&gt;",
  "&#60;script&#62;alert(1)&#60;/script&#62;",
  '"><script>alert(1)</script>',
  "' onmouseover='alert(1)",
  '" onmouseover="alert(1)',
  "`</code><script>alert(1)</script>`",
  "```\n</code></pre><script>alert(1)</script>\n```",
  '```x" onmouseover="alert(1)\n<b>fenced</b>\n```',
  '[x](https://ok.example/" onmouseover="alert(1))',
  '![x](https://ok.example/x.png" onerror="alert(1))',
  '[x](https://ok.example/ "t\\" onmouseover=\\"alert(1)")',
  'www.example.com/"onmouseover="alert(1)',
  "https://example.com/<script>alert(1)</script>",
  '<iframe src="javascript:alert(1)"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="javascript:alert(1)">',
  "<style>@import 'https://evil.example/x.css';</style>",
  '<link rel="stylesheet" href="https://evil.example/x.css">',
  '<base href="https://evil.example/">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<form action="javascript:alert(1)"><button formaction="javascript:alert(2)">go</button></form>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  "<details open ontoggle=alert(1)>x</details>",
  "<!--<script>alert(1)</script>-->",
  "</title></textarea></noscript></style><script>alert(1)</script>",
  "\u2028<script>alert(1)</script>\u2029",
  "\u202e<script>alert(1)</script>",
  "javascript:alert(1)",
  "</script><script>alert(1)</script>",
];

const ALL = [...new Set([...PAYLOADS, ...XSS_PAYLOADS])];

/** Tags the renderers and the markdown renderer write; anything else came from a payload. */
const TAGS = new Set(
  "a aside b blockquote body br button code dd del details div dl dt em footer h1 h2 h3 h4 h5 h6 header hr html i img li main nav noscript ol p pre section span strong summary table tbody td th thead time tr ul input".split(
    " ",
  ),
);
const ATTRS = new Set(
  "alt aria-hidden aria-label class datetime hidden href id lang loading open referrerpolicy rel role src start title type align disabled checked".split(
    " ",
  ),
);
const IDS = /^(conn|head|runs|outcome|queue|details|end|older|nothing|run-\d+)$/;
const ATTR = /\s+([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/y;

/** An attribute value as the browser reads it, for a URL: entities decoded, what it skips removed. */
function urlAsRead(value: string): string {
  const named: Record<string, string> = {
    amp: "&",
    lt: "<",
    gt: ">",
    quot: '"',
    apos: "'",
    colon: ":",
    tab: "\t",
    newline: "\n",
  };
  return (
    value
      .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (m, b: string) =>
        b[0] === "#"
          ? String.fromCodePoint(
              b[1] === "x" || b[1] === "X" ? Number.parseInt(b.slice(2), 16) : Number(b.slice(1)),
            )
          : (named[b.toLowerCase()] ?? m),
      )
      // biome-ignore lint/suspicious/noControlCharactersInRegex: browsers skip these in a URL's scheme.
      .replace(/[\u0000-\u0020\u007f-\u009f]/g, "")
      .toLowerCase()
  );
}

/**
 * What is wrong with `html`, read the way a browser parses it: every `<` must open a known tag;
 * every attribute must be known (no `on*`, no `style`, no `srcdoc`…); no URL may be
 * `javascript:`, `vbscript:`, `data:` or any scheme but http(s) and mailto; ids must be the page's.
 */
function problemsIn(html: string, where: string): string[] {
  const problems: string[] = [];
  const re = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>/g;
  let count = 0;
  for (const m of html.matchAll(re)) {
    count++;
    const name = (m[2] ?? "").toLowerCase();
    if (!TAGS.has(name)) problems.push(`<${name}> in ${where}`);
    const text = (m[3] ?? "").replace(/\s*\/$/, "");
    ATTR.lastIndex = 0;
    let end = 0;
    for (let a = ATTR.exec(text); a !== null; a = ATTR.exec(text)) {
      end = ATTR.lastIndex;
      const attr = (a[1] ?? "").toLowerCase();
      const value = a[2] ?? a[3] ?? a[4] ?? "";
      if (attr.startsWith("on") || !(ATTRS.has(attr) || /^data-[a-z]+$/.test(attr)))
        problems.push(`${attr}= on <${name}> in ${where}`);
      if ((attr === "href" || attr === "src") && !/^(https?:|mailto:|[^:]*$)/.test(urlAsRead(value)))
        problems.push(`${attr}="${value}" on <${name}> in ${where}`);
      if (attr === "id" && !IDS.test(value)) problems.push(`id="${value}" on <${name}> in ${where}`);
    }
    if (text.slice(end) !== "") problems.push(`the attributes of <${name}> in ${where}: ${text}`);
  }
  // Every `<` in the markup is one of those tags: text never carries one.
  if (html.split("<").length - 1 !== count) problems.push(`a stray < in ${where}`);
  return problems;
}

/** The whole page: its own head, style and script once each, and nothing else that could run. */
function pageProblems(html: string, where: string): string[] {
  const problems: string[] = [];
  const script = `<script>${TRANSCRIPT_CLIENT_JS}</script>`;
  const style = `<style>${TRANSCRIPT_CSS}</style>`;
  if (html.match(/<script/gi)?.length !== 1 || html.split(script).length !== 2)
    problems.push(`not exactly the page's own script in ${where}`);
  if (html.match(/<style/gi)?.length !== 1 || html.split(style).length !== 2)
    problems.push(`not exactly the page's own style in ${where}`);
  if (!html.startsWith('<!doctype html>\n<html lang="en">\n<head>\n'))
    problems.push(`the doctype of ${where}`);
  const headEnd = html.indexOf("</head>");
  const head = html.slice("<!doctype html>\n".length, headEnd).replace(style, "");
  const headTags: string[] = head.match(/<[^>]*>/g) ?? [];
  const title = headTags.indexOf("<title>");
  const expected = [
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    '<meta name="referrer" content="no-referrer">',
    ...(html.includes('data-live="1"')
      ? ["<noscript>", '<meta http-equiv="refresh" content="10">', "</noscript>"]
      : []),
    "<title>",
    "</title>",
  ];
  if (headTags.join("") !== expected.join("") || title === -1) problems.push(`the head of ${where}: ${head}`);
  if (head.split("<").length - 1 !== headTags.length) problems.push(`a stray < in the head of ${where}`);
  const body = html.slice(headEnd + "</head>".length).replace(script, "");
  return [...problems, ...problemsIn(body, where)];
}

/** A URL field: the payload as the URL, and inside an otherwise fine URL. */
const urlOf = (p: string, variant: number) => (variant === 0 ? p : `https://ok.example/a?q=${p}#${p}`);

function hostile(
  p: string,
  variant: number,
  status: SessionStatus,
): { view: SessionView; list: SessionEvent[] } {
  const url = urlOf(p, variant);
  const md = `${p}\n\nSee [this](${p}) and <${p}> and [that][ref].\n\n[ref]: ${p}\n\n- ${p}\n\n\`${p}\`\n\n> ${p}`;
  const input = { [p]: p, list: [p, { deeper: p }] };
  let seq = 0;
  const ev = (e: EventInput, when: string = at(seq)): Event => ({ seq: ++seq, at: when, ...e }) as Event;
  const callId = (k: string) => `${p}${k}`;
  const run1: Event[] = [
    ev({ type: "session_status", data: { status: "provisioning", reason: p } }),
    ev({ type: "sandbox_status", data: { status: "cloning", detail: p } }),
    ev({ type: "git_sync", data: { branch: p, base: p, headSha: p, created: variant === 0 } }),
    ev({ type: "user_message", data: { text: md, author: p } }),
    ev({ type: "user_message", data: { text: md } }),
    ev({ type: "assistant_text", data: { text: md } }, p),
    ev({
      type: "tool_call",
      data: {
        callId: callId("s"),
        kind: "shell",
        name: p,
        command: p,
        description: p,
        input,
        status: "running",
      },
    }),
    ev({
      type: "tool_call",
      data: { callId: callId("s2"), kind: "shell", name: p, description: p, status: "running" },
    }),
    ev({ type: "tool_result", data: { callId: callId("s"), output: p, isError: true } }),
    ev({ type: "tool_result", data: { callId: callId("s2"), output: `${p}\n`.repeat(60), isError: false } }),
    ev({
      type: "tool_call",
      data: { callId: callId("w"), kind: "write", name: p, path: p, content: p, status: "running" },
    }),
    ev({
      type: "tool_call",
      data: {
        callId: callId("e"),
        kind: "edit",
        name: p,
        path: p,
        description: p,
        edits: [{ before: p, after: p }],
        added: 1,
        removed: 2,
        status: "running",
      },
    }),
    ev({
      type: "tool_call",
      data: { callId: callId("r"), kind: "read", name: p, path: p, status: "completed" },
    }),
    ev({
      type: "tool_call",
      data: {
        callId: callId("q"),
        kind: "search",
        name: p,
        query: p,
        path: p,
        url,
        input,
        status: "running",
      },
    }),
    ev({
      type: "tool_call",
      data: { callId: callId("u"), kind: "web", name: p, url, query: p, input, status: "running" },
    }),
    ev({
      type: "tool_call",
      data: { callId: callId("u2"), kind: "web", name: p, query: p, status: "running" },
    }),
    ev({
      type: "tool_call",
      data: { callId: callId("o"), kind: "other", name: p, description: p, input, status: "error" },
    }),
    ev({ type: "tool_result", data: { callId: callId("w"), output: p, isError: false } }),
    ev({ type: "tool_result", data: { callId: callId("nowhere"), output: p, isError: true } }),
    ev({
      type: "tool_call",
      data: {
        callId: callId("w"),
        kind: "write",
        name: p,
        path: `${p}.md`,
        content: `${p}\n${p}`,
        status: "completed",
      },
    }),
    ev({ type: "step_finish", data: { tokens: { input: 10, output: 5 }, costUsd: 0.01 } }),
    ev({ type: "heartbeat", data: {} }),
    ev({ type: "push_complete", data: { branch: p, sha: p, commitsAhead: 2, pushed: true } }),
    ev({ type: "push_complete", data: { branch: p, sha: p, commitsAhead: 0, pushed: false } }),
    ev({ type: "push_error", data: { branch: p, error: p } }),
    ev({ type: "artifact", data: { kind: "pr", url, number: 13 } }),
    ev({ type: "artifact", data: { kind: "pr", url } }),
    ev({ type: "artifact", data: { kind: "branch", url } }),
    ev({ type: "execution_complete", data: { success: false, error: p, summary: md } }),
    ev({ type: "error", data: { message: p } }),
    ev({ type: "session_status", data: { status: "failed", reason: p } }),
  ];
  const run2: Event[] = [
    ev({ type: "session_status", data: { status: "queued", reason: p } }),
    ev({ type: "user_message", data: { text: md, author: p } }),
    ev({
      type: "tool_call",
      data: { callId: callId("w"), kind: "write", name: p, path: p, status: "running" },
    }),
    ev({ type: "tool_result", data: { callId: callId("s2"), output: p, isError: true } }),
    ev({ type: "assistant_text", data: { text: md } }),
  ];
  const view = baseView({
    repo: { owner: p, name: p },
    issueTitle: p,
    requester: p,
    task: md,
    status,
    run: 2,
    finishedAt: status === "running" ? null : at(90),
    branch: p,
    baseBranch: p,
    branchUrl: url,
    pr: { number: 13, url },
    summary: md,
    error: p,
    queue: [
      { author: p, text: md },
      { author: "bob", text: `[x](${p}) ![y](${p}) <${p}>` },
    ],
    stoppedBy: p,
    queueCleared: 2,
    agent: p,
    model: p,
  });
  return { view, list: stored([1, run1], [2, run2]) };
}

function pageData(view: SessionView, list: SessionEvent[], window: number | null): TranscriptPageData {
  const events = window === null ? list : list.slice(-window);
  const first = events[0]?.id ?? 0;
  const olderCount = list.filter((x) => x.id < first).length;
  return {
    view,
    events,
    results: [],
    facts: transcriptFacts(list, changedPathsOf(list), list.length),
    olderCursor: olderCount > 0 ? first : null,
    olderCount,
    last: list.at(-1)?.id ?? 0,
  };
}

/** Every problem in everything a session with `p` in every field renders: page, parts, fragments. */
function allProblems(p: string): string[] {
  const now = new Date(at(120));
  const problems: string[] = [];
  for (const variant of [0, 1])
    for (const status of ["running", "completed", "failed", "cancelled"] as const) {
      const { view, list } = hostile(p, variant, status);
      const where = `${status} page, variant ${variant}`;
      problems.push(...pageProblems(renderTranscriptPage(pageData(view, list, null), now), where));
      problems.push(
        ...pageProblems(renderTranscriptPage(pageData(view, list, 12), now), `${where}, newest 12 events`),
      );
      const parts = renderPageParts(view, transcriptFacts(list, changedPathsOf(list), list.length), now);
      for (const key of ["header", "details", "outcome", "queue"] as const)
        problems.push(...problemsIn(parts[key], `parts.${key} (${where})`));
      for (const h of parts.heads)
        problems.push(...problemsIn(h.html, `the heading of run ${h.run} (${where})`));
      for (const f of toFragments(list)) {
        problems.push(...problemsIn(f.html, `fragment ${f.id} (${where})`));
        if (f.alt !== undefined) problems.push(...problemsIn(f.alt, `fragment ${f.id}'s alt (${where})`));
      }
      // An older page, as fetch_history sends it, with the results after it filled in.
      const older = renderRuns(
        list.slice(0, 10),
        new Map(parts.heads.map((h) => [h.run, h.html])),
        list.slice(10).filter((x) => x.event.type === "tool_result"),
      );
      problems.push(...problemsIn(older, `older runs (${where})`));
    }
  return [...new Set(problems)];
}

/**
 * Payloads that get through src/core/render-markdown.ts today: marked passes the text after an
 * inline `<pre>`, `<code>`, `<kbd>` or `<script>` tag through unescaped (its `inRawBlock` state),
 * while the tag itself is escaped, so `<code><img/src="x"/onerror="…">` is live markup. Marked as
 * failing until render-markdown.ts escapes that text too; then these join the corpus.
 */
const MARKDOWN_RAW_BLOCK = [
  "<scr<script>ipt>alert(1)</scr</script>ipt>",
  '<code>x <img/src="x"/onerror="alert(1)"></code>',
  "<kbd>x <svg/onload=alert(1)></kbd>",
];

describe("the transcript page against script injection", () => {
  const corpus = ALL.filter((p) => !MARKDOWN_RAW_BLOCK.includes(p));

  it("has a corpus of payloads for every trick", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(25);
  });

  it.each(corpus.map((p, i) => [i, p] as const))("payload %i in every field: %j", (_, p) => {
    expect(allProblems(p)).toEqual([]);
  });

  it("all payloads at once, in one message and one field each", () => {
    const p = corpus.join("\n\n");
    const { view, list } = hostile(p, 1, "failed");
    const html = renderTranscriptPage(pageData(view, list, null), new Date(at(120)));
    expect(pageProblems(html, "every payload at once")).toEqual([]);
    // The text is all there, shown as text.
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  for (const p of MARKDOWN_RAW_BLOCK)
    it(`escapes the text after an inline raw tag: ${JSON.stringify(p)}`, () => {
      expect(allProblems(p)).toEqual([]);
    });

  it("the checks catch what they are for", () => {
    expect(problemsIn('<img src="x" onerror="alert(1)">', "t")).toEqual(["onerror= on <img> in t"]);
    expect(problemsIn('<a href="java&#x09;script:alert(1)">x</a>', "t")).toHaveLength(1);
    expect(problemsIn('<a href=" DATA:text/html,x">x</a>', "t")).toHaveLength(1);
    expect(problemsIn('<a href="vbscript:x">x</a><img src="https://ok.example/x.png">', "t")).toHaveLength(1);
    expect(problemsIn("<iframe></iframe>", "t")).toEqual(["<iframe> in t", "<iframe> in t"]);
    expect(problemsIn('<p id="runs" style="x">x</p>', "t")).toEqual(["style= on <p> in t"]);
    expect(problemsIn('<p id="user-content">x</p>', "t")).toEqual(['id="user-content" on <p> in t']);
    expect(problemsIn("<p>1 < 2</p>", "t")).toEqual(["a stray < in t"]);
    expect(problemsIn('<p title="a" x=">', "t")).toContain('the attributes of <p> in t:  title="a" x="');
    expect(problemsIn('<img/src="x"/onerror="alert(1)">', "t")).toHaveLength(1);
    const page = renderTranscriptPage(pageData(baseView(), [], null), new Date(at(1)));
    expect(pageProblems(page, "t")).toEqual([]);
    expect(pageProblems(page.replace("</body>", "<script>x</script></body>"), "t")).toContain(
      "not exactly the page's own script in t",
    );
    expect(
      pageProblems(page.replace("<title>", '<base href="https://evil.example/"><title>'), "t"),
    ).toHaveLength(1);
  });
});
