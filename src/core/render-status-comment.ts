/**
 * The status comment of one run. Each run of a session gets its own comment (worker/session/comment.ts
 * posts one per run and edits it in place), so a follow-up's steps never rewrite what an earlier
 * run's comment said. Pure: rendered from the stored session and the run's events on every flush,
 * never read back. What the run did comes from the run model ({@link summarizeRun}); this file only
 * lays it out.
 *
 * The comment is edited at most every few seconds while the run lives, and not at all while the
 * agent is quiet, so nothing in it may be true only at the moment it was written: times are absolute
 * (`started 02:14 UTC`) and an elapsed time says when it was measured (`1m 05s ago at last update`).
 */
import { compareUrl } from "./compare-url.js";
import { describeStepGroup } from "./describe-step-group.js";
import { formatCount } from "./format-count.js";
import { formatDuration } from "./format-duration.js";
import { formatUsage } from "./format-usage.js";
import { formatUtcTime } from "./format-utc-time.js";
import {
  blockquote,
  codeSpan,
  fencedBlock,
  inlineSnippet,
  inlineText,
  safeUrl,
  sanitizeMarkdown,
  truncate,
} from "./gfm-escape.js";
import { githubOrigin } from "./github-origin.js";
import { groupSteps, type StepGroup } from "./group-steps.js";
import { runElapsedMs } from "./run-elapsed-ms.js";
import type { SessionView } from "./session-view.js";
import { statusLabel } from "./status-label.js";
import { type RunSummary, summarizeRun } from "./summarize-run.js";
import { type Event, type EventPayload, isTerminal } from "./wire.js";

/** GitHub rejects longer bodies ("body is too long (maximum is 65536 characters)"). */
const GITHUB_COMMENT_LIMIT = 65_536;
/** Room kept free under the limit, so an off-by-a-few estimate never costs an edit. */
const SAFETY_MARGIN = 512;
const TASK_MAX = 1_500;
const THINKING_MAX = 280;
const DETAIL_MAX = 300;
const SUMMARY_MAX = 10_000;
const ERROR_MAX = 3_000;
/** A GitHub login is at most 39 characters. */
const LOGIN_MAX = 40;
/** Queued requests named one by one; the rest are counted. Each is cut to one short line. */
const QUEUE_SHOWN = 3;
const QUEUE_TEXT_MAX = 80;
/** Checklist lines shown open; older ones go into a collapsed <details> so the comment stays one screen. */
const VISIBLE_LINES = 8;
/** Past a few hundred lines a list stops being read, and every edit re-sends it: the transcript has them all. */
const MAX_COLLAPSED_LINES = 200;

const SANDBOX_PHASE: Record<EventPayload<"sandbox_status">["status"], string> = {
  starting: "Starting a sandbox…",
  cloning: "Cloning the repository…",
  ready: "Sandbox ready, starting the agent…",
  running_agent: "Starting the agent…",
  committing: "Committing the changes…",
  pushing: "Pushing the branch…",
  exited: "Wrapping up…",
};

/** One checklist line and how many of the run's steps it stands for. */
interface ChecklistLine {
  text: string;
  steps: number;
}

/**
 * Renders the status comment as GitHub-flavoured markdown: headline with state, who asked and the
 * run's time, the task, what the agent did (and is doing), the outcome, what is queued next, links
 * and usage. `events` are the current run's (the store keeps them by run number). Always under
 * GitHub's 65,536-character limit; text from users and the agent cannot break out of its section.
 */
export function renderStatusComment(view: SessionView, events: readonly Event[], now: Date): string {
  const run = summarizeRun(events);
  const lines = checklistLines(view, run);
  const body = renderBody(view, run, lines, now);
  if (body.length <= GITHUB_COMMENT_LIMIT) return body;
  // Unreachable by the budgets below; kept so a bug there degrades to a short comment, not a 422.
  // It still says what the agent did last and links everything else.
  const newest = lines.slice(-VISIBLE_LINES).map((l) => l.text);
  return [headline(view, run), metaLine(view, run, now), newest.join("\n"), linksLine(view), marker(view)]
    .filter((s) => s !== "")
    .join("\n\n");
}

function renderBody(view: SessionView, run: RunSummary, lines: readonly ChecklistLine[], now: Date): string {
  const status = view.status;
  const head: string[] = [headline(view, run), metaLine(view, run, now)];
  if (view.task.trim()) head.push(blockquote(sanitizeMarkdown(truncate(view.task.trim(), TASK_MAX))));

  const outcome: string[] = [];
  if (status === "queued" || status === "provisioning" || status === "finishing") {
    outcome.push(`_${phaseLine(view, run)}_`);
  } else if (status === "running") {
    const budget = budgetLine(view, run);
    if (budget) outcome.push(budget);
    const thinking = run.lastAssistantText;
    if (thinking?.trim()) outcome.push(`💭 ${inlineSnippet(thinking, THINKING_MAX)}`);
    if (run.steps.length === 0 && !thinking) outcome.push("_The agent is reading the task…_");
  } else if (status === "completed" && !agentFailed(run)) {
    const summary = view.summary ?? run.agentResult?.summary ?? run.lastAssistantText;
    if (summary?.trim())
      outcome.push(sanitizeMarkdown(truncate(summary.trim(), SUMMARY_MAX), { demoteHeadings: true }));
    const noChanges = noChangesLine(view, run);
    if (noChanges) outcome.push(noChanges);
  } else {
    if (status === "cancelled") outcome.push(...stopLines(view, run));
    else outcome.push(`**Error**\n\n${fencedBlock(truncate(failureReason(view, run), ERROR_MAX))}`);
    outcome.push(savedWorkLine(view, run));
    if (view.summary?.trim()) {
      outcome.push(
        `**Last update from the agent**\n\n${sanitizeMarkdown(truncate(view.summary.trim(), SUMMARY_MAX), { demoteHeadings: true })}`,
      );
    }
  }
  const queue = queueLine(view);

  const tail = [queue, ...sandboxLines(run), linksLine(view), footer(view, run), marker(view)].filter(
    (s) => s !== "",
  );
  const fixed = [...head, ...outcome, ...tail].join("\n\n").length;
  const checklist = renderChecklist(lines, view, run, GITHUB_COMMENT_LIMIT - SAFETY_MARGIN - fixed - 4);
  // While running, the current thought reads best under the steps it follows; an outcome goes first.
  const middle = status === "running" ? [checklist, ...outcome] : [...outcome, checklist];
  return [...head, ...middle, ...tail].filter((s) => s !== "").join("\n\n");
}

/**
 * How much of its budget the running run has used: turns counted as the bridge counts them, and the
 * cost the agent has reported so far (Claude Code reports it at the end of its run).
 */
function budgetLine(view: SessionView, run: RunSummary): string {
  if (!view.budget) return "";
  const cost = run.totals.costUsd;
  const parts = [`turn ${formatCount(run.modelTurns)} of ${formatCount(view.budget.maxTurns)}`];
  // Codex reports no cost, so no dollar cap binds it: the line says so rather than imply one.
  if (view.agent === "codex") parts.push("cost not reported by Codex");
  else if (cost > 0) parts.push(`$${cost.toFixed(2)} of $${view.budget.maxCostUsd.toFixed(2)}`);
  else parts.push(`up to $${view.budget.maxCostUsd.toFixed(2)}`);
  return `<sub>Budget: ${parts.join(" · ")}</sub>`;
}

/** Blocked hosts named in the comment; the transcript lists every one. */
const BLOCKED_SHOWN = 8;

/**
 * What a reader should know about the sandbox: that it was not isolated at all, and which hosts the
 * network allowlist refused (a failing install is often one of them).
 */
function sandboxLines(run: RunSummary): string[] {
  const lines: string[] = [];
  if (run.isolation?.mode === "none") {
    lines.push(
      "⚠️ **Not isolated**: this sandbox host runs agents with `--unsafe-no-isolation`, so the agent could read and reach whatever the host can.",
    );
  }
  const left = run.leftOut;
  if (left && left.paths.length > 0) {
    const shown = left.paths.slice(0, BLOCKED_SHOWN).map((p) => codeSpan(truncate(p, 100)));
    const more =
      left.paths.length > BLOCKED_SHOWN ? ` and ${formatCount(left.paths.length - BLOCKED_SHOWN)} more` : "";
    // Fixed words, not the event's reason: the bridge only ever leaves out workflow files.
    lines.push(
      `⚠️ Not pushed: ${shown.join(", ")}${more}; workflow changes are pushed only with \`allow_workflow_changes: true\` in \`.github/understudy.yml\`.`,
    );
  }
  const blocked = run.blockedHosts;
  if (blocked.length > 0) {
    const shown = blocked.slice(0, BLOCKED_SHOWN).map((h) => codeSpan(truncate(h, 100)));
    const more =
      blocked.length > BLOCKED_SHOWN ? ` and ${formatCount(blocked.length - BLOCKED_SHOWN)} more` : "";
    lines.push(
      `🛡️ Blocked network access to ${shown.join(", ")}${more}: not on the allowlist (\`network.allow\` in \`.github/understudy.yml\` adds hosts).`,
    );
  }
  return lines;
}

/**
 * The agent's own verdict wins over the session's status: a run whose agent reported an error is
 * never shown as done, even when the bridge went on to push and the session reached `completed`.
 */
function agentFailed(run: RunSummary): boolean {
  const result = run.agentResult;
  return result !== undefined && (!result.success || Boolean(result.error?.trim()));
}

function headline(view: SessionView, run: RunSummary): string {
  // Asked to stop, the bridge is saving the agent's work: the run is not "working" any more.
  if (view.stoppedBy && !isTerminal(view.status)) return "### ⏹️ Stopping, saving the work so far…";
  if (view.status === "completed" && agentFailed(run)) return "### ❌ Agent reported an error";
  const label = statusLabel(view.status, view.pr !== null);
  return `### ${label.icon} ${label.text}`;
}

/**
 * Who asked, when the run started, and how long it has taken. While the run lives the elapsed time
 * is labelled with when it was measured: the comment may sit unedited for minutes while the agent
 * thinks, and a bare "1m 05s" would go on claiming it.
 */
function metaLine(view: SessionView, run: RunSummary, now: Date): string {
  // A link to the profile, not an @-mention: each edit would otherwise be a mention of its own,
  // and defusing one leaves an invisible character in the comment.
  const profile = `${githubOrigin(view)}/${encodeURIComponent(view.requester)}`;
  const parts = [`Asked by [${inlineText(view.requester, LOGIN_MAX)}](${safeUrl(profile)})`];
  const elapsedMs = runElapsedMs(view, run, now);
  const ended = isTerminal(view.status);
  // An ended run dates its start against its end, so later edits (a retried write) render the same.
  const reference = ended ? new Date(Date.parse(view.runStartedAt) + elapsedMs) : now;
  const started = formatUtcTime(view.runStartedAt, reference);
  if (started) parts.push(`started ${started}`);
  const elapsed = formatDuration(elapsedMs);
  parts.push(ended ? `took ${elapsed}` : `${elapsed} ago at last update`);
  return parts.join(" · ");
}

/** The run's steps, grouped the way a person would say them, as checklist lines in call order. */
function checklistLines(view: SessionView, run: RunSummary): ChecklistLine[] {
  const groups = groupSteps(run.steps);
  const agentDone = view.status !== "running";
  const nowIndex = agentDone ? -1 : findLastIndex(groups, (g) => g.state === "running");
  return groups.map((g, i) => ({ text: groupLine(g, i === nowIndex, agentDone), steps: g.steps.length }));
}

/**
 * The checklist. The newest VISIBLE_LINES are open; older ones sit in a collapsed <details>, as many
 * as `budget` characters allow, newest first, and the steps of the rest are counted ("… and N steps
 * earlier"). Completed runs collapse everything: the summary is what readers came for. Open lines
 * are a few hundred characters each (every label is cut), far under any budget the rest leaves.
 */
function renderChecklist(
  lines: readonly ChecklistLine[],
  view: SessionView,
  run: RunSummary,
  budget: number,
): string {
  if (lines.length === 0) return "";
  const collapseAll = view.status === "completed" && !agentFailed(run);
  const openCount = collapseAll ? 0 : Math.min(VISIBLE_LINES, lines.length);
  const open = lines
    .slice(lines.length - openCount)
    .map((l) => l.text)
    .join("\n");
  const older = lines.slice(0, lines.length - openCount);
  if (older.length === 0) return open;

  const title = collapseAll
    ? `What I did (${countOf(run.steps.length, "step")})`
    : `Earlier steps (${formatCount(stepsIn(older))})`;
  // Reserve room for the wrapper and the "… and N steps earlier" line that replaces what does not fit.
  let room = budget - open.length - title.length - safeUrl(view.transcriptUrl).length - 160;
  let first = older.length;
  const floor = Math.max(0, older.length - MAX_COLLAPSED_LINES);
  while (first > floor && older[first - 1]!.text.length + 1 <= room) {
    first--;
    room -= older[first]!.text.length + 1;
  }
  const dropped =
    first > 0
      ? `_… and ${countOf(stepsIn(older.slice(0, first)), "step")} earlier, in the [transcript](${safeUrl(view.transcriptUrl)})._\n\n`
      : "";
  const shown = older
    .slice(first)
    .map((l) => l.text)
    .join("\n");
  const collapsed = `<details><summary>${title}</summary>\n\n${dropped}${shown}\n\n</details>`;
  return open ? `${collapsed}\n\n${open}` : collapsed;
}

function groupLine(group: StepGroup, isNow: boolean, agentDone: boolean): string {
  const d = describeStepGroup(group);
  if (group.state === "done") return `- [x] ${d.done}`;
  if (group.state === "error") return `- [ ] ❌ ${d.failed}`;
  if (isNow) return `- [ ] **Now:** ${d.now}`;
  return agentDone ? `- [ ] ${d.attempt} — _did not finish_` : `- [ ] ${d.now}`;
}

function stepsIn(lines: readonly ChecklistLine[]): number {
  return lines.reduce((n, l) => n + l.steps, 0);
}

function phaseLine(view: SessionView, run: RunSummary): string {
  const sandbox = run.sandboxStatus;
  if (view.status === "queued") return "Waiting for a sandbox…";
  if (view.status === "finishing") {
    if (sandbox === "committing" || sandbox === "pushing") return SANDBOX_PHASE[sandbox];
    return view.pr
      ? "Committing, pushing and updating the pull request…"
      : "Committing, pushing and opening a pull request…";
  }
  return sandbox ? SANDBOX_PHASE[sandbox] : "Starting a sandbox…";
}

/** Why the run failed, in the words of whoever knew: the agent first when it reported the error itself. */
function failureReason(view: SessionView, run: RunSummary): string {
  const unsaid = "The run ended without saying why. The transcript has everything that happened.";
  if (view.status === "completed") {
    // Completed, yet the agent reported an error (see agentFailed): the session has no error of its own.
    return run.agentResult?.error?.trim() || view.error || run.lastError || unsaid;
  }
  return view.error ?? run.agentResult?.error ?? run.lastError ?? unsaid;
}

/**
 * Who stopped the run, why it ended the way it did (a stop whose sandbox never saved its work says
 * so in `view.error`), and what the stop took with it from the queue.
 */
function stopLines(view: SessionView, run: RunSummary): string[] {
  const lines: string[] = [];
  if (view.stoppedBy) {
    const detail = view.error?.trim() ? `: ${view.error.trim()}` : "";
    lines.push(inlineSnippet(`Stopped by @${view.stoppedBy}${detail}`, DETAIL_MAX));
  } else {
    const reason = (run.status === "cancelled" ? run.statusReason : undefined) ?? view.error;
    if (reason?.trim()) lines.push(inlineSnippet(reason, DETAIL_MAX));
  }
  if (view.queueCleared > 0) {
    lines.push(
      `🧹 The stop cleared ${countOf(view.queueCleared, "queued request")}: ${view.queueCleared === 1 ? "it" : "they"} will not run.`,
    );
  }
  return lines;
}

/**
 * Failed and stopped runs say plainly whether the work survived: the design promises that a failed
 * run still pushes what it changed, and a reader must not have to open the transcript to find out.
 */
function savedWorkLine(view: SessionView, run: RunSummary): string {
  const push = run.push;
  const branchRef = (branch: string) =>
    view.branchUrl ? `[${codeSpan(branch)}](${safeUrl(view.branchUrl)})` : codeSpan(branch);
  const ahead = (n: number) =>
    n > 0 ? ` (${countOf(n, "commit")} ahead of ${codeSpan(view.baseBranch)})` : "";
  switch (push.kind) {
    case "pushed":
      return `💾 Changes so far were pushed to ${branchRef(push.branch)}${ahead(push.commitsAhead)}.`;
    case "up_to_date":
      return `💾 Nothing new to push: ${branchRef(push.branch)} already has all the changes${ahead(push.commitsAhead)}.`;
    case "no_changes":
      return "ℹ️ Nothing was pushed: the agent had not changed any files.";
    case "failed":
      return `⚠️ Pushing ${codeSpan(push.branch)} failed, so the changes of this run are **not** saved on GitHub: ${inlineSnippet(push.error, DETAIL_MAX)}`;
    case "none":
      if (view.run > 1 && view.branchUrl) {
        return `⚠️ Nothing from this run was pushed. ${branchRef(view.branch)} still has the work of the earlier runs.`;
      }
      return "⚠️ Nothing was pushed: no changes from this run were saved.";
  }
}

/** A completed run without a pull request owes the reader the reason. */
function noChangesLine(view: SessionView, run: RunSummary): string {
  if (view.pr) return "";
  if (run.push.kind === "pushed") {
    return `ℹ️ The changes were pushed to ${codeSpan(run.push.branch)}, but no pull request was opened.`;
  }
  if (run.push.kind === "no_changes") return "ℹ️ The agent made no changes, so there is no pull request.";
  return `ℹ️ No pull request was opened. ${savedWorkLine(view, run)}`;
}

/**
 * Requests waiting for this run, in the order they will run, each with who asked. A follow-up asked
 * while the agent works must visibly land somewhere, or people ask again.
 */
function queueLine(view: SessionView): string {
  if (view.queue.length === 0) return "";
  const shown = view.queue
    .slice(0, QUEUE_SHOWN)
    .map((q) => `${inlineText(`@${q.author}`, 40)}: ${inlineSnippet(q.text, QUEUE_TEXT_MAX)}`);
  const more = view.queue.length - shown.length;
  if (more > 0) shown.push(`and ${formatCount(more)} more`);
  return `⏭️ **Queued next:** ${countOf(view.queue.length, "request")} — ${shown.join("; ")}`;
}

/** The pull request, the branch, its diff against the base (once pushed) and the transcript. */
function linksLine(view: SessionView): string {
  const links: string[] = [];
  if (view.pr) links.push(`[Pull request #${view.pr.number}](${safeUrl(view.pr.url)})`);
  if (view.branchUrl) links.push(`[Branch ${codeSpan(view.branch)}](${safeUrl(view.branchUrl)})`);
  const compare = compareUrl(view);
  if (compare) links.push(`[Compare with ${codeSpan(view.baseBranch)}](${safeUrl(compare)})`);
  links.push(`[Full transcript](${safeUrl(view.transcriptUrl)})`);
  return `🔗 ${links.join(" · ")}`;
}

/** Which run this is, the model turns it took, and its tokens and cost (the duration heads the comment). */
function footer(view: SessionView, run: RunSummary): string {
  const parts = [
    ...(view.run > 1 ? [`Run ${view.run}`] : []),
    ...(run.totals.turns > 0 ? [countOf(run.totals.turns, "turn")] : []),
    ...formatUsage(run.totals),
  ];
  return parts.length > 0 ? `<sub>${parts.join(" · ")}</sub>` : "";
}

/** For people reading the raw body; the bot finds its comment by the stored id, never by this. */
function marker(view: SessionView): string {
  return `<!-- understudy:session:${view.id.replace(/[^\w.:-]/g, "").replace(/-{2,}/g, "-")} -->`;
}

function countOf(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? "" : "s"}`;
}

function findLastIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return i;
  return -1;
}
