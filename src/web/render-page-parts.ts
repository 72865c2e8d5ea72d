/**
 * The parts of the transcript page that follow the session rather than each event: the header
 * (status, a working indicator while running, times, who asked, links, an error banner on failure),
 * the details panel, the outcome, the queue and each run's heading. The page is built with them and
 * the live feed sends them again whenever the session changes, so the page's script only swaps them.
 */
import { compareUrl } from "../core/compare-url.js";
import { escapeHtml as e } from "../core/escape-html.js";
import { formatCount } from "../core/format-count.js";
import { formatDuration } from "../core/format-duration.js";
import { formatUsage } from "../core/format-usage.js";
import { githubOrigin } from "../core/github-origin.js";
import { renderMarkdown } from "../core/render-markdown.js";
import { pastRunElapsedMs, runElapsedMs } from "../core/run-elapsed-ms.js";
import type { SessionView } from "../core/session-view.js";
import { statusLabel } from "../core/status-label.js";
import type { PageParts } from "../core/subscriber-protocol.js";
import { type RunSummary, summarizeRun } from "../core/summarize-run.js";
import { isTerminal } from "../core/wire.js";
import { htmlLink as link } from "./html-link.js";
import type { TranscriptFacts } from "./transcript-facts.js";

const AGENT_NAMES: Record<string, string> = { "claude-code": "Claude Code", codex: "Codex" };

export function renderPageParts(view: SessionView, facts: TranscriptFacts, now: Date): PageParts {
  const current = facts.runs.find((r) => r.run === view.run)?.summary ?? summarizeRun([]);
  // The tab says what the badge says: a run the agent said failed is never "Done".
  const label =
    view.status === "completed" && agentFailed(current)
      ? "Failed"
      : statusLabel(view.status, view.pr !== null).text;
  const runs = new Set(facts.runs.map((r) => r.run));
  if (view.run > 0) runs.add(view.run);
  return {
    status: view.status,
    live: !isTerminal(view.status),
    title: `${label} · ${view.repo.owner}/${view.repo.name}#${view.issueNumber} · ${view.issueTitle} · Understudy`,
    header: renderHeader(view, current, now),
    details: renderDetails(view, facts, current, now),
    outcome: renderOutcome(view, current),
    queue: renderQueue(view),
    heads: [...runs]
      .sort((a, b) => a - b)
      .map((run) => ({
        run,
        html: renderRunHead(
          run,
          facts.runs.find((r) => r.run === run)?.summary ?? summarizeRun([]),
          view,
          now,
        ),
      })),
  };
}

/** The agent said it failed, whatever status the run ended in: never shown as a success. */
function agentFailed(run: RunSummary): boolean {
  return run.agentResult !== undefined && (!run.agentResult.success || Boolean(run.agentResult.error));
}

function renderHeader(view: SessionView, current: RunSummary, now: Date): string {
  const origin = githubOrigin(view);
  const repoUrl = `${origin}/${encodeURIComponent(view.repo.owner)}/${encodeURIComponent(view.repo.name)}`;
  const kind = view.isPullRequest ? "pull" : "issues";
  const live = !isTerminal(view.status);
  const failed = view.status === "failed" || (view.status === "completed" && agentFailed(current));
  const badge = failed && view.status === "completed" ? "failed" : view.status;
  const started = new Date(view.runStartedAt);
  const startedText = Number.isNaN(started.getTime())
    ? ""
    : `<span>started <time datetime="${e(view.runStartedAt)}">${started.toISOString().slice(11, 16)} UTC</time></span>`;
  const elapsed = formatDuration(runElapsedMs(view, current, now));
  const time = live
    ? `<span class="elapsed" data-since="${e(view.runStartedAt)}">${elapsed}</span>`
    : `<span>took ${elapsed}</span>`;
  const working = live
    ? ' <span class="working" role="status" aria-label="working"><i></i><i></i><i></i></span>'
    : "";
  const compare = compareUrl(view);
  const links = [
    view.pr && link(view.pr.url, `Pull request #${view.pr.number}`),
    view.branchUrl && link(view.branchUrl, `Branch <code>${e(view.branch)}</code>`, true),
    compare && link(compare, `Compare with <code>${e(view.baseBranch)}</code>`, true),
  ].filter(Boolean);
  let banner = "";
  if (failed) {
    const reason =
      view.error ??
      current.agentResult?.error ??
      current.lastError ??
      "The run ended without saying why; the log below has everything that happened.";
    banner = `<div class="banner bad" role="alert"><b>${view.status === "completed" ? "The agent reported an error." : "This run failed."}</b> ${e(reason)}</div>`;
  } else if (view.status === "cancelled") {
    banner = `<div class="banner" role="status"><b>Stopped${view.stoppedBy ? ` by @${e(view.stoppedBy)}` : ""}.</b>${view.error ? ` ${e(view.error)}` : ""}</div>`;
  }
  return `<p class="crumbs">${link(repoUrl, `${view.repo.owner}/${view.repo.name}`)} · ${link(`${repoUrl}/${kind}/${view.issueNumber}`, `${view.isPullRequest ? "PR" : "Issue"} #${view.issueNumber}`)}</p>
<h1>${e(view.issueTitle)}</h1>
<p class="meta"><span class="badge st-${badge}">${e(failed ? "Failed" : statusLabel(view.status, view.pr !== null).text)}</span>${working} ${startedText} ${time} <span>requested by ${link(`${origin}/${encodeURIComponent(view.requester)}`, `@${view.requester}`)}</span>${view.run > 1 ? ` <span>run ${view.run}</span>` : ""}</p>
${links.length > 0 ? `<nav>${links.join(" · ")}</nav>\n` : ""}${banner}`;
}

/** A run's heading: its number, how it ended, how long it took, who asked, what it cost. */
function renderRunHead(run: number, summary: RunSummary, view: SessionView, now: Date): string {
  const isCurrent = run === view.run;
  const status = isCurrent ? view.status : summary.status;
  const ms = isCurrent ? runElapsedMs(view, summary, now) : pastRunElapsedMs(summary);
  const facts = [
    status
      ? e(
          agentFailed(summary) && status === "completed"
            ? "Failed"
            : statusLabel(status, isCurrent && view.pr !== null).text,
        )
      : "",
    ms === undefined || (isCurrent && !isTerminal(view.status)) ? "" : formatDuration(ms),
    summary.prompt?.author ? `asked by @${e(summary.prompt.author)}` : "",
    ...formatUsage(summary.totals).map(e),
  ].filter((s) => s !== "");
  return `Run ${run}${facts.length > 0 ? ` <span class="muted">· ${facts.join(" · ")}</span>` : ""}`;
}

function renderDetails(view: SessionView, facts: TranscriptFacts, current: RunSummary, now: Date): string {
  const origin = githubOrigin(view);
  const repoUrl = `${origin}/${encodeURIComponent(view.repo.owner)}/${encodeURIComponent(view.repo.name)}`;
  const totals = { inputTokens: 0, outputTokens: 0, costUsd: 0, turns: 0 };
  let sessionMs = 0;
  for (const { run, summary } of facts.runs) {
    totals.inputTokens += summary.totals.inputTokens;
    totals.outputTokens += summary.totals.outputTokens;
    totals.costUsd += summary.totals.costUsd;
    totals.turns += summary.totals.turns;
    sessionMs += (run === view.run ? runElapsedMs(view, summary, now) : pastRunElapsedMs(summary)) ?? 0;
  }
  const usage = formatUsage(totals);
  const row = (name: string, value: string) => `<dt>${name}</dt><dd>${value}</dd>`;
  const files =
    facts.filesChangedTotal === 0
      ? "none"
      : `${formatCount(facts.filesChangedTotal)}<details><summary>show</summary><ul>${facts.filesChanged.map((f) => `<li><code>${e(f)}</code></li>`).join("")}${facts.filesChangedTotal > facts.filesChanged.length ? `<li class="muted">and ${formatCount(facts.filesChangedTotal - facts.filesChanged.length)} more</li>` : ""}</ul></details>`;
  const rows = [
    row("Repository", link(repoUrl, `${view.repo.owner}/${view.repo.name}`)),
    row(
      view.isPullRequest ? "Pull request" : "Issue",
      link(
        `${repoUrl}/${view.isPullRequest ? "pull" : "issues"}/${view.issueNumber}`,
        `#${view.issueNumber}`,
      ),
    ),
    row("Agent", e(AGENT_NAMES[view.agent] ?? view.agent)),
    row("Model", view.model ? `<code>${e(view.model)}</code>` : "the agent's default"),
    row(
      "Branch",
      view.branchUrl
        ? link(view.branchUrl, `<code>${e(view.branch)}</code>`, true)
        : `<code>${e(view.branch)}</code>`,
    ),
    row("Pull request", view.pr ? link(view.pr.url, `#${view.pr.number}`) : "none yet"),
    row("Files changed", files),
    row(
      "Duration",
      `${formatDuration(runElapsedMs(view, current, now))}${facts.runs.length > 1 ? ` this run · ${formatDuration(sessionMs)} in all` : ""}`,
    ),
    row("Tokens", usage.find((u) => u.endsWith("tokens")) ?? "none reported"),
    row("Cost", usage.find((u) => u.includes("$")) ?? "none reported"),
    row("Turns", formatCount(totals.turns)),
    row("Runs", formatCount(Math.max(view.run, facts.runs.length))),
    row("Events", formatCount(facts.eventCount)),
  ];
  return `<h2>Details</h2><dl>${rows.join("")}</dl>`;
}

/**
 * The current run's final word, unless the log already says it (execution_complete carries the
 * summary), and what a stop cleared from the queue.
 */
function renderOutcome(view: SessionView, current: RunSummary): string {
  const shown = new Set<string>();
  if (current.agentResult?.summary) shown.add(current.agentResult.summary);
  if (current.agentResult?.error) shown.add(current.agentResult.error);
  if (current.lastError) shown.add(current.lastError);
  const parts: string[] = [];
  if (view.status === "cancelled" && view.queueCleared > 0) {
    const n = view.queueCleared;
    parts.push(
      `<p>The stop cleared ${formatCount(n)} queued ${n === 1 ? "request: it" : "requests: they"} will not run.</p>`,
    );
  }
  if (view.error && !shown.has(view.error) && view.status !== "cancelled")
    parts.push(`<pre class="bad">${e(view.error)}</pre>`);
  if (view.summary && !shown.has(view.summary))
    parts.push(`<div class="md">${renderMarkdown(view.summary)}</div>`);
  if (parts.length === 0) return "";
  const title = view.status === "completed" ? "Summary" : e(statusLabel(view.status, view.pr !== null).text);
  return `<section class="outcome st-${view.status}"><h2>${title}</h2>${parts.join("")}</section>`;
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
