/**
 * The transcript page: everything that happened in a session, server-rendered as one HTML string.
 * No script and no external resource: the URL is a capability, so the page must not leak it
 * (referrer, third-party loads) and must not be indexed.
 */

import { repoRelative } from "../core/describe-tool-call.js";
import { escapeHtml as e } from "../core/escape-html.js";
import { renderMarkdown } from "../core/render-markdown.js";
import { formatDuration } from "../core/render-status-comment.js";
import type { SessionView } from "../core/session-view.js";
import { type Event, isTerminal, type SessionStatus } from "../core/wire.js";

/** Outputs longer than this start collapsed; short ones are more useful open. */
const SHORT_OUTPUT_LINES = 12;
const SHORT_OUTPUT_CHARS = 1_200;

const STATUS_LABEL: Record<SessionStatus, string> = {
  queued: "Starting…",
  provisioning: "Starting…",
  running: "Working…",
  finishing: "Pushing & opening PR…",
  completed: "Done",
  failed: "Failed",
  cancelled: "Stopped",
};

/**
 * Renders the full transcript of a session as a complete HTML5 document. While the session is
 * live the page reloads itself every 5 seconds (no script needed); a finished session does not.
 */
export function renderTranscriptPage(view: SessionView, events: readonly Event[], now: Date): string {
  const calls = new Map<string, Extract<Event, { type: "tool_call" }>>();
  for (const ev of events)
    if (ev.type === "tool_call" && !calls.has(ev.data.callId)) calls.set(ev.data.callId, ev);
  const shown = new Set<string>();
  const items = events
    .filter((ev) => ev.type !== "heartbeat")
    .map((ev, i) => {
      if (ev.type === "execution_complete") {
        if (ev.data.summary) shown.add(ev.data.summary);
        if (ev.data.error) shown.add(ev.data.error);
      }
      if (ev.type === "error") shown.add(ev.data.message);
      return `<li id="ev-${i}" data-seq="${ev.seq}" class="ev ev-${ev.type}">${timeOf(ev.at)}${renderEvent(ev, calls)}</li>`;
    });
  const live = !isTerminal(view.status);
  const label = statusLabel(view);
  const where = `${view.repo.owner}/${view.repo.name}#${view.issueNumber}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta name="referrer" content="no-referrer">
${live ? '<meta http-equiv="refresh" content="5">\n' : ""}<title>${e(`${label} · ${where} · ${view.issueTitle}`)} · Understudy</title>
<style>${CSS}</style>
</head>
<body>
<div class="wrap">
${renderHeader(view, events, now)}
<main>
${items.length > 0 ? `<ol class="log">\n${items.join("\n")}\n</ol>` : '<p class="muted">Nothing has happened yet.</p>'}
${renderOutcome(view, shown)}
</main>
${renderFooter(view, events, live)}
</div>
</body>
</html>
`;
}

function statusLabel(view: SessionView): string {
  return view.status === "finishing" && view.pr ? "Pushing & updating PR…" : STATUS_LABEL[view.status];
}

function renderHeader(view: SessionView, events: readonly Event[], now: Date): string {
  const origin = githubOrigin(view);
  const repoUrl = `${origin}/${encodeURIComponent(view.repo.owner)}/${encodeURIComponent(view.repo.name)}`;
  const kind = view.isPullRequest ? "pull" : "issues";
  const links = [
    view.pr && link(view.pr.url, `Pull request #${view.pr.number}`),
    view.branchUrl && link(view.branchUrl, `Branch <code>${e(view.branch)}</code>`, true),
  ].filter(Boolean);
  return `<header>
<p class="crumbs">${link(repoUrl, `${view.repo.owner}/${view.repo.name}`)} · ${link(`${repoUrl}/${kind}/${view.issueNumber}`, `${view.isPullRequest ? "PR" : "Issue"} #${view.issueNumber}`)}</p>
<h1>${e(view.issueTitle)}</h1>
<p class="meta"><span class="badge st-${view.status}">${e(statusLabel(view))}</span> <span>${formatDuration(elapsedMs(view, events, now))}</span> <span>requested by ${link(`${origin}/${encodeURIComponent(view.requester)}`, `@${view.requester}`)}</span>${view.run > 1 ? ` <span>run ${view.run}</span>` : ""}</p>
${links.length > 0 ? `<nav>${links.join(" · ")}</nav>\n` : ""}</header>`;
}

function renderEvent(ev: Event, calls: ReadonlyMap<string, Extract<Event, { type: "tool_call" }>>): string {
  switch (ev.type) {
    case "user_message":
      return `<div class="who">${ev.data.author ? `@${e(ev.data.author)}` : "Prompt"}</div><div class="md">${renderMarkdown(ev.data.text)}</div>`;
    case "assistant_text":
      return `<div class="who">Agent</div><div class="md">${renderMarkdown(ev.data.text)}</div>`;
    case "tool_call":
      return renderToolCall(ev.data.tool, ev.data.input);
    case "tool_result": {
      const call = calls.get(ev.data.callId);
      const of = call ? ` of ${e(call.data.tool)}` : "";
      return renderOutput(ev.data.isError ? `Error${of}` : `Output${of}`, ev.data.output, ev.data.isError);
    }
    case "session_status":
      return line(`Session ${e(ev.data.status)}${ev.data.reason ? `: ${e(ev.data.reason)}` : ""}`);
    case "sandbox_status":
      return line(
        `Sandbox ${e(ev.data.status.replace(/_/g, " "))}${ev.data.detail ? `: ${e(ev.data.detail)}` : ""}`,
      );
    case "git_sync":
      return line(
        `${ev.data.created ? "Created branch" : "Checked out branch"} <code>${e(ev.data.branch)}</code> from <code>${e(ev.data.base)}</code> at <code>${e(ev.data.headSha.slice(0, 7))}</code>`,
      );
    case "step_finish":
      return line(
        `${count(ev.data.tokens.input)} tokens in · ${count(ev.data.tokens.output)} out · $${ev.data.costUsd.toFixed(4)}`,
        "muted",
      );
    case "push_complete": {
      const { branch, sha, commitsAhead, pushed } = ev.data;
      const ahead = `${count(commitsAhead)} ${commitsAhead === 1 ? "commit" : "commits"} ahead of the base branch`;
      return pushed
        ? line(`Pushed <code>${e(sha.slice(0, 7))}</code> to <code>${e(branch)}</code> (${ahead})`, "ok")
        : line(`Nothing new to push to <code>${e(branch)}</code> (${ahead})`);
    }
    case "push_error":
      return `${line(`Push to <code>${e(ev.data.branch)}</code> failed`, "bad")}<pre class="bad">${e(ev.data.error)}</pre>`;
    case "artifact":
      return line(
        ev.data.kind === "pr"
          ? `Pull request ${link(ev.data.url, ev.data.number !== undefined ? `#${ev.data.number}` : "opened")}`
          : `Branch ${link(ev.data.url, ev.data.url)}`,
        "ok",
      );
    case "execution_complete": {
      const head = ev.data.success ? line("Agent finished", "ok") : line("Agent failed", "bad");
      const error = ev.data.error ? `<pre class="bad">${e(ev.data.error)}</pre>` : "";
      const summary = ev.data.summary ? `<div class="md">${renderMarkdown(ev.data.summary)}</div>` : "";
      return `${head}${error}${summary}`;
    }
    case "error":
      return `${line("Error", "bad")}<pre class="bad">${e(ev.data.message)}</pre>`;
    case "heartbeat":
      return "";
  }
}

/** Tool input the way a reviewer wants it: the command, the file and its content, the edit as before/after. */
function renderToolCall(tool: string, input: unknown): string {
  const f = (key: string) => field(input, key);
  const path = (key = "file_path") => {
    const p = f(key);
    return p ? ` <code title="${e(p)}">${e(repoRelative(p))}</code>` : "";
  };
  switch (tool) {
    case "Bash":
      return `<div class="tool"><b>Bash</b>${f("description") ? ` ${e(f("description")!)}` : ""}</div><pre class="cmd"><code>${e(f("command") ?? "")}</code></pre>`;
    case "Write": {
      const content = f("content") ?? "";
      return `<div class="tool"><b>Write</b>${path()}</div><details><summary>Content · ${lines(content)}</summary><pre><code>${e(content)}</code></pre></details>`;
    }
    case "Edit":
      return `<div class="tool"><b>Edit</b>${path()}${input && (input as { replace_all?: unknown }).replace_all === true ? " (every occurrence)" : ""}</div>${renderEdit(f("old_string") ?? "", f("new_string") ?? "")}`;
    case "MultiEdit": {
      const edits = (input as { edits?: unknown } | null)?.edits;
      const list = Array.isArray(edits) ? edits : [];
      return `<div class="tool"><b>Edit</b>${path()} (${list.length} changes)</div>${list.map((x) => renderEdit(field(x, "old_string") ?? "", field(x, "new_string") ?? "")).join("")}`;
    }
    case "Read": {
      const offset = (input as { offset?: unknown } | null)?.offset;
      return `<div class="tool"><b>Read</b>${path()}${typeof offset === "number" ? ` from line ${offset}` : ""}</div>`;
    }
    default:
      return `<div class="tool"><b>${e(tool)}</b></div>${renderOutput("Input", JSON.stringify(input ?? null, null, 2) ?? "", false)}`;
  }
}

function renderEdit(before: string, after: string): string {
  return `<div class="diff"><pre class="del" aria-label="before"><code>${e(before)}</code></pre><pre class="ins" aria-label="after"><code>${e(after)}</code></pre></div>`;
}

function renderOutput(label: string, output: string, isError: boolean): string {
  const cls = isError ? ' class="bad"' : "";
  if (output === "") return line(`${e(label)}: (empty)`, isError ? "bad" : "muted");
  const short = output.length <= SHORT_OUTPUT_CHARS && output.split("\n").length <= SHORT_OUTPUT_LINES;
  const pre = `<pre${cls}><code>${e(output)}</code></pre>`;
  if (short) return `<div class="label${isError ? " bad" : ""}">${e(label)}</div>${pre}`;
  return `<details${cls}><summary>${e(label)} · ${lines(output)}</summary>${pre}</details>`;
}

/** The final word, unless an event above already said it (execution_complete carries the summary). */
function renderOutcome(view: SessionView, shown: ReadonlySet<string>): string {
  const parts: string[] = [];
  if (view.error && !shown.has(view.error)) parts.push(`<pre class="bad">${e(view.error)}</pre>`);
  if (view.summary && !shown.has(view.summary))
    parts.push(`<div class="md">${renderMarkdown(view.summary)}</div>`);
  if (parts.length === 0) return "";
  return `<section class="outcome st-${view.status}"><h2>${view.status === "completed" ? "Summary" : e(STATUS_LABEL[view.status])}</h2>${parts.join("")}</section>`;
}

function renderFooter(view: SessionView, events: readonly Event[], live: boolean): string {
  let tokens = 0;
  let cost = 0;
  for (const ev of events) {
    if (ev.type !== "step_finish") continue;
    tokens += ev.data.tokens.input + ev.data.tokens.output;
    cost += ev.data.costUsd;
  }
  const parts = [`Session <code>${e(view.id)}</code>`, `${count(tokens)} tokens`, `$${cost.toFixed(2)}`];
  if (live) parts.push("live: this page refreshes every 5 seconds");
  return `<footer id="end">${parts.join(" · ")}</footer>`;
}

/** Same clock as the status comment: live runs tick, finished ones show their duration. */
function elapsedMs(view: SessionView, events: readonly Event[], now: Date): number {
  let end = now.getTime();
  if (isTerminal(view.status)) {
    const last = events[events.length - 1];
    end = Date.parse(view.finishedAt ?? last?.at ?? "") || end;
  }
  return end - Date.parse(view.runStartedAt);
}

/** GitHub Enterprise installs link to their own host: take it from a URL GitHub gave us. */
function githubOrigin(view: SessionView): string {
  for (const url of [view.pr?.url, view.branchUrl]) {
    if (!url || !/^https?:\/\//i.test(url)) continue;
    try {
      return new URL(url).origin;
    } catch {
      // Not a URL after all; try the next one.
    }
  }
  return "https://github.com";
}

/** Links only to http(s): these URLs come from events, and a sandbox is not trusted to send safe ones. */
function link(url: string, html: string, htmlIsMarkup = false): string {
  const text = htmlIsMarkup ? html : e(html);
  if (!/^https?:\/\//i.test(url)) return text;
  return `<a href="${e(url)}" rel="nofollow noopener noreferrer">${text}</a>`;
}

function line(html: string, tone?: "ok" | "bad" | "muted"): string {
  return `<div class="line${tone ? ` ${tone}` : ""}">${html}</div>`;
}

function timeOf(iso: string): string {
  const t = /T(\d\d:\d\d:\d\d)/.exec(iso)?.[1] ?? "";
  return `<time datetime="${e(iso)}" title="${e(iso)}">${e(t)}</time>`;
}

function lines(text: string): string {
  const n = text === "" ? 0 : text.replace(/\n$/, "").split("\n").length;
  return `${count(n)} ${n === 1 ? "line" : "lines"}`;
}

function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function field(input: unknown, key: string): string | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const value = (input as Record<string, unknown>)[key];
  return typeof value === "string" ? value : undefined;
}

const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--code:#f6f8fa;--link:#0969da;--ok:#1a7f37;--bad:#d1242f;--warn:#9a6700;--del:#ffebe9;--ins:#dafbe1}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--code:#151b23;--link:#4493f8;--ok:#3fb950;--bad:#f85149;--warn:#d29922;--del:#3c1618;--ins:#12261e}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;-webkit-text-size-adjust:100%}
.wrap{max-width:54rem;margin:0 auto;padding:1.25rem 1rem 3rem}
a{color:var(--link)}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,monospace}
:not(pre)>code{background:var(--code);padding:.1em .3em;border-radius:4px}
pre{background:var(--code);border:1px solid var(--line);border-radius:6px;padding:.55rem .75rem;margin:.35rem 0;white-space:pre-wrap;overflow-wrap:anywhere;max-height:40rem;overflow:auto}
header{border-bottom:1px solid var(--line);padding-bottom:.75rem;margin-bottom:1rem}
h1{font-size:1.4rem;line-height:1.3;margin:.2rem 0 .5rem}
.crumbs,.meta,nav,footer,.muted,time{color:var(--muted);font-size:.875rem}
.meta{display:flex;flex-wrap:wrap;gap:.25rem .75rem;align-items:center;margin:.25rem 0}
.badge{display:inline-block;border-radius:2em;padding:.1em .7em;font-weight:600;color:#fff;background:var(--warn)}
.badge.st-running{background:var(--link)}
.badge.st-completed{background:var(--ok)}.badge.st-failed{background:var(--bad)}.badge.st-cancelled{background:var(--muted)}
.log{list-style:none;margin:0;padding:0}
.ev{position:relative;padding:.35rem 0 .35rem 4.6rem;border-top:1px solid transparent}
.ev>time{position:absolute;left:0;top:.45rem;font-variant-numeric:tabular-nums}
.ev-user_message,.ev-assistant_text{border-top-color:var(--line);padding-top:.6rem}
.who,.tool,.label{font-weight:600;font-size:.875rem}
.tool code{font-weight:400}
.md>:first-child{margin-top:.15rem}.md>:last-child{margin-bottom:.15rem}
.md img{max-width:100%}
.md table{border-collapse:collapse}.md td,.md th{border:1px solid var(--line);padding:.2rem .5rem}
.ok{color:var(--ok)}.bad{color:var(--bad)}
pre.bad,details.bad pre{border-color:var(--bad);color:var(--fg)}
details{margin:.3rem 0}
summary{cursor:pointer;color:var(--muted);font-size:.875rem}
.diff pre.del{background:var(--del)}.diff pre.ins{background:var(--ins)}
.outcome{border:1px solid var(--line);border-radius:8px;padding:.25rem 1rem;margin-top:1.5rem}
.outcome h2{font-size:1.1rem}
footer{border-top:1px solid var(--line);margin-top:2rem;padding-top:.75rem}
@media (max-width:36rem){.ev{padding-left:0}.ev>time{position:static;display:block}}
`.trim();
