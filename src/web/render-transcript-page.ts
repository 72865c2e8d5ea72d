/**
 * The transcript page: everything that happened in a session, every run of it, server-rendered as
 * one HTML string. No script and no external resource: the URL is a capability, so the page must
 * not leak it (referrer, third-party loads) and must not be indexed. What each run did comes from
 * the run model ({@link summarizeRun}); this file only lays it out.
 */

import { escapeHtml as e } from "../core/escape-html.js";
import { formatCount } from "../core/format-count.js";
import { formatDuration } from "../core/format-duration.js";
import { formatUsage } from "../core/format-usage.js";
import { renderMarkdown } from "../core/render-markdown.js";
import { pastRunElapsedMs, runElapsedMs } from "../core/run-elapsed-ms.js";
import type { SessionEvent } from "../core/session-event.js";
import type { SessionView } from "../core/session-view.js";
import { statusLabel } from "../core/status-label.js";
import { type RunSummary, summarizeRun } from "../core/summarize-run.js";
import { type Event, isTerminal, type ToolCall } from "../core/wire.js";
import { htmlLink as link } from "./html-link.js";
import { renderEvent } from "./render-event.js";
import { TRANSCRIPT_CSS } from "./transcript-css.js";

/** One run of the session: its number, its events in stored order, and what they add up to. */
interface Run {
  run: number;
  events: SessionEvent[];
  summary: RunSummary;
}

/**
 * Renders the full transcript of a session as a complete HTML5 document: every run in order (a
 * follow-up or a queued request is a run of its own), then what is queued next. `events` are the
 * session's stored events, each tagged with its run. While the session is live the page reloads
 * itself every 5 seconds (no script needed); a finished session does not.
 */
export function renderTranscriptPage(view: SessionView, events: readonly SessionEvent[], now: Date): string {
  const runs = groupByRun(events);
  // A follow-up that has not produced an event yet still gets its heading under the earlier runs.
  if (runs.length > 0 && view.run > 0 && !runs.some((r) => r.run === view.run))
    runs.push({ run: view.run, events: [], summary: summarizeRun([]) });
  const current = runs.find((r) => r.run === view.run)?.summary ?? summarizeRun([]);
  const live = !isTerminal(view.status);
  const label = statusLabel(view.status, view.pr !== null).text;
  const where = `${view.repo.owner}/${view.repo.name}#${view.issueNumber}`;
  // Only one run: no per-run headings, the page reads as the one story it is.
  const body =
    runs.length === 0
      ? '<p class="muted">Nothing has happened yet.</p>'
      : runs.length === 1 && runs[0]!.run === view.run
        ? renderLog(runs[0]!.events)
        : runs.map((r) => renderRun(r, view, now)).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta name="referrer" content="no-referrer">
${live ? '<meta http-equiv="refresh" content="5">\n' : ""}<title>${e(`${label} · ${where} · ${view.issueTitle}`)} · Understudy</title>
<style>${TRANSCRIPT_CSS}</style>
</head>
<body>
<div class="wrap">
${renderHeader(view, current, now)}
<main>
${body}
${renderOutcome(view, runs.find((r) => r.run === view.run)?.events ?? [])}${renderQueue(view)}
</main>
${renderFooter(view, runs, live)}
</div>
</body>
</html>
`;
}

/** Runs in run order; events keep their stored order within a run. */
function groupByRun(events: readonly SessionEvent[]): Run[] {
  const byRun = new Map<number, SessionEvent[]>();
  for (const ev of events) {
    const list = byRun.get(ev.run) ?? [];
    list.push(ev);
    byRun.set(ev.run, list);
  }
  return [...byRun.entries()]
    .sort(([a], [b]) => a - b)
    .map(([run, list]) => ({ run, events: list, summary: summarizeRun(list.map((x) => x.event)) }));
}

function renderHeader(view: SessionView, current: RunSummary, now: Date): string {
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
<p class="meta"><span class="badge st-${view.status}">${e(statusLabel(view.status, view.pr !== null).text)}</span> <span>${formatDuration(runElapsedMs(view, current, now))}</span> <span>requested by ${link(`${origin}/${encodeURIComponent(view.requester)}`, `@${view.requester}`)}</span>${view.run > 1 ? ` <span>run ${view.run}</span>` : ""}</p>
${links.length > 0 ? `<nav>${links.join(" · ")}</nav>\n` : ""}</header>`;
}

/**
 * A run under its own heading: number, how it ended, how long it took and what it cost. The
 * current run's state is the session's; an earlier run's is the last status recorded in it.
 */
function renderRun(r: Run, view: SessionView, now: Date): string {
  const isCurrent = r.run === view.run;
  const status = isCurrent ? view.status : r.summary.status;
  const ms = isCurrent ? runElapsedMs(view, r.summary, now) : pastRunElapsedMs(r.summary);
  const facts = [
    status ? e(statusLabel(status, isCurrent && view.pr !== null).text) : "",
    ms === undefined ? "" : formatDuration(ms),
    r.summary.prompt?.author ? `asked by @${e(r.summary.prompt.author)}` : "",
    ...formatUsage(r.summary.totals).map(e),
  ].filter((s) => s !== "");
  return `<section class="run" id="run-${r.run}">
<h2>Run ${r.run}${facts.length > 0 ? ` <span class="muted">· ${facts.join(" · ")}</span>` : ""}</h2>
${renderLog(r.events)}
</section>`;
}

function renderLog(events: readonly SessionEvent[]): string {
  const calls = new Map<string, ToolCall>();
  for (const { event } of events)
    if (event.type === "tool_call" && !calls.has(event.data.callId)) calls.set(event.data.callId, event.data);
  const items = events
    .filter(({ event }) => event.type !== "heartbeat")
    .map(
      ({ id, event }) =>
        `<li id="ev-${id}" data-seq="${event.seq}" class="ev ev-${event.type}">${timeOf(event.at)}${renderEvent(event, calls)}</li>`,
    );
  return items.length > 0
    ? `<ol class="log">\n${items.join("\n")}\n</ol>`
    : '<p class="muted">Nothing yet.</p>';
}

/**
 * The current run's final word, unless an event above already said it (execution_complete carries
 * the summary), and for a stopped run who stopped it and what the stop cleared from the queue.
 */
function renderOutcome(view: SessionView, current: readonly SessionEvent[]): string {
  const shown = new Set<string>();
  for (const { event } of current) shownBy(event, shown);
  const parts: string[] = [];
  if (view.status === "cancelled" && view.stoppedBy) {
    parts.push(
      `<p>Stopped by ${link(`${githubOrigin(view)}/${encodeURIComponent(view.stoppedBy)}`, `@${view.stoppedBy}`)}.</p>`,
    );
  }
  if (view.status === "cancelled" && view.queueCleared > 0) {
    const n = view.queueCleared;
    parts.push(
      `<p>The stop cleared ${formatCount(n)} queued ${n === 1 ? "request: it" : "requests: they"} will not run.</p>`,
    );
  }
  if (view.error && !shown.has(view.error)) parts.push(`<pre class="bad">${e(view.error)}</pre>`);
  if (view.summary && !shown.has(view.summary))
    parts.push(`<div class="md">${renderMarkdown(view.summary)}</div>`);
  if (parts.length === 0) return "";
  const title = view.status === "completed" ? "Summary" : e(statusLabel(view.status, view.pr !== null).text);
  return `<section class="outcome st-${view.status}"><h2>${title}</h2>${parts.join("")}</section>`;
}

function shownBy(event: Event, shown: Set<string>): void {
  if (event.type === "execution_complete") {
    if (event.data.summary) shown.add(event.data.summary);
    if (event.data.error) shown.add(event.data.error);
  }
  if (event.type === "error") shown.add(event.data.message);
}

/** Requests waiting for the current run, in the order they will run, each with who asked. */
function renderQueue(view: SessionView): string {
  if (view.queue.length === 0) return "";
  const origin = githubOrigin(view);
  const items = view.queue.map(
    (q) =>
      `<li><div class="who">${link(`${origin}/${encodeURIComponent(q.author)}`, `@${q.author}`)}</div><div class="md">${renderMarkdown(q.text)}</div></li>`,
  );
  const n = view.queue.length;
  return `<section class="queue"><h2>Queued next: ${formatCount(n)} ${n === 1 ? "request" : "requests"}</h2><ol>${items.join("")}</ol></section>`;
}

/** The whole session's totals: every run's tokens and cost. */
function renderFooter(view: SessionView, runs: readonly Run[], live: boolean): string {
  const totals = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  for (const { summary } of runs) {
    totals.inputTokens += summary.totals.inputTokens;
    totals.outputTokens += summary.totals.outputTokens;
    totals.costUsd += summary.totals.costUsd;
  }
  const parts = [`Session <code>${e(view.id)}</code>`, ...formatUsage(totals).map(e)];
  if (runs.length > 1) parts.push(`${formatCount(runs.length)} runs`);
  if (live) parts.push("live: this page refreshes every 5 seconds");
  return `<footer id="end">${parts.join(" · ")}</footer>`;
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

function timeOf(iso: string): string {
  const t = /T(\d\d:\d\d:\d\d)/.exec(iso)?.[1] ?? "";
  return `<time datetime="${e(iso)}" title="${e(iso)}">${e(t)}</time>`;
}
