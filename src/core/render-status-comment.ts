/**
 * The status comment: the one comment Understudy edits in place on the issue or pull request.
 * Pure: rendered from the stored session and its events on every flush, never read back.
 */
import { describeToolCall } from "./describe-tool-call.js";
import {
  blockquote,
  codeSpan,
  fencedBlock,
  inlineSnippet,
  safeUrl,
  sanitizeMarkdown,
  truncate,
} from "./gfm-escape.js";
import type { SessionView } from "./session-view.js";
import { type Event, type EventPayload, isTerminal, type SessionStatus } from "./wire.js";

/** GitHub rejects longer bodies ("body is too long (maximum is 65536 characters)"). */
const GITHUB_COMMENT_LIMIT = 65_536;
/** Room kept free under the limit, so an off-by-a-few estimate never costs an edit. */
const SAFETY_MARGIN = 512;
const TASK_MAX = 1_500;
const THINKING_MAX = 280;
const DETAIL_MAX = 300;
const SUMMARY_MAX = 10_000;
const ERROR_MAX = 3_000;
/** Steps shown open; older ones go into a collapsed <details> so the comment stays one screen. */
const VISIBLE_STEPS = 8;
/** Past a few hundred steps a list stops being read, and every edit re-sends it: the transcript has them all. */
const MAX_COLLAPSED_STEPS = 200;

type ToolCall = EventPayload<"tool_call">;
type StepState = "running" | "done" | "error";
interface Step {
  tool: string;
  input: unknown;
  state: StepState;
  output: string | undefined;
}

const HEADLINE: Record<SessionStatus, string> = {
  queued: "⏳ Starting…",
  provisioning: "⏳ Starting…",
  running: "🛠️ Working…",
  finishing: "📤 Pushing & opening PR…",
  completed: "✅ Done",
  failed: "❌ Failed",
  cancelled: "⏹️ Stopped",
};

const SANDBOX_PHASE: Record<EventPayload<"sandbox_status">["status"], string> = {
  starting: "Starting a sandbox…",
  cloning: "Cloning the repository…",
  ready: "Sandbox ready, starting the agent…",
  running_agent: "Starting the agent…",
  committing: "Committing the changes…",
  pushing: "Pushing the branch…",
  exited: "Wrapping up…",
};

/**
 * Renders the status comment as GitHub-flavoured markdown: headline with state and elapsed time,
 * the task, what the agent did (and is doing), the outcome, links and cost. Always under GitHub's
 * 65,536-character limit; text from users and the agent cannot break out of its section.
 */
export function renderStatusComment(view: SessionView, events: readonly Event[], now: Date): string {
  const run = currentRunEvents(view, events);
  const body = renderBody(view, run, now);
  if (body.length <= GITHUB_COMMENT_LIMIT) return body;
  // Unreachable by the budgets below; kept so a bug there degrades to a short comment, not a 422.
  return [headline(view, run, now), linksLine(view), marker(view)].join("\n\n");
}

/** `42s`, `1m 05s`, `2h 03m`: short enough for a headline, stable in width while it ticks. */
export function formatDuration(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${pad2(m)}m`;
  if (m > 0) return `${m}m ${pad2(s)}s`;
  return `${s}s`;
}

function renderBody(view: SessionView, run: readonly Event[], now: Date): string {
  const status = view.status;
  const steps = collectSteps(run);
  const head: string[] = [headline(view, run, now)];
  if (view.task.trim()) head.push(blockquote(sanitizeMarkdown(truncate(view.task.trim(), TASK_MAX))));

  const outcome: string[] = [];
  if (status === "queued" || status === "provisioning" || status === "finishing") {
    outcome.push(`_${phaseLine(view, run)}_`);
  } else if (status === "running") {
    const thinking = lastOf(run, "assistant_text")?.data.text;
    if (thinking?.trim()) outcome.push(`💭 ${inlineSnippet(thinking, THINKING_MAX)}`);
    if (steps.length === 0 && !thinking) outcome.push("_The agent is reading the task…_");
  } else if (status === "completed") {
    const summary =
      view.summary ??
      lastOf(run, "execution_complete")?.data.summary ??
      lastOf(run, "assistant_text")?.data.text;
    if (summary?.trim())
      outcome.push(sanitizeMarkdown(truncate(summary.trim(), SUMMARY_MAX), { demoteHeadings: true }));
    const noChanges = noChangesLine(view, run);
    if (noChanges) outcome.push(noChanges);
  } else {
    const reason = status === "failed" ? failureReason(view, run) : stopReason(view, run);
    if (reason)
      outcome.push(status === "failed" ? `**Error**\n\n${fencedBlock(truncate(reason, ERROR_MAX))}` : reason);
    outcome.push(savedWorkLine(view, run));
    if (view.summary?.trim()) {
      outcome.push(
        `**Last update from the agent**\n\n${sanitizeMarkdown(truncate(view.summary.trim(), SUMMARY_MAX), { demoteHeadings: true })}`,
      );
    }
  }

  const tail = [linksLine(view), footer(view, run), marker(view)].filter((s) => s !== "");
  const fixed = [...head, ...outcome, ...tail].join("\n\n").length;
  const checklist = renderChecklist(steps, view, GITHUB_COMMENT_LIMIT - SAFETY_MARGIN - fixed - 4);
  // While running, the current thought reads best under the steps it follows; an outcome goes first.
  const middle = status === "running" ? [checklist, ...outcome] : [...outcome, checklist];
  return [...head, ...middle, ...tail].filter((s) => s !== "").join("\n\n");
}

function headline(view: SessionView, run: readonly Event[], now: Date): string {
  let text = HEADLINE[view.status];
  if (view.status === "finishing" && view.pr) text = "📤 Pushing & updating PR…";
  return `### ${text} · ${formatDuration(elapsedMs(view, run, now))}`;
}

/** Running: time so far. Terminal: the run's duration, frozen, so edits after the end do not tick on. */
function elapsedMs(view: SessionView, run: readonly Event[], now: Date): number {
  const start = Date.parse(view.runStartedAt);
  if (!isTerminal(view.status)) return now.getTime() - start;
  const lastAt = run.length > 0 ? Date.parse(run[run.length - 1]!.at) : Number.NaN;
  const end = view.finishedAt ? Date.parse(view.finishedAt) : Number.isNaN(lastAt) ? now.getTime() : lastAt;
  return end - start;
}

/**
 * Events of the current run. A follow-up run appends to the same event log; its events are the
 * ones from `runStartedAt` on (events are in seq order, so the first match starts the suffix).
 */
function currentRunEvents(view: SessionView, events: readonly Event[]): readonly Event[] {
  if (view.run <= 1) return events;
  const start = Date.parse(view.runStartedAt);
  if (Number.isNaN(start)) return events;
  const i = events.findIndex((e) => Date.parse(e.at) >= start);
  return i < 0 ? [] : events.slice(i);
}

/** One step per tool call, in call order; a call's outcome is its matching tool_result. */
function collectSteps(run: readonly Event[]): Step[] {
  const byId = new Map<string, Step>();
  for (const e of run) {
    if (e.type === "tool_call") {
      const known = byId.get(e.data.callId);
      const state = stateOfCall(e.data);
      if (known) {
        // A later tool_call for the same id (bridges may re-emit with a final status) updates it.
        if (known.state === "running") known.state = state;
      } else {
        byId.set(e.data.callId, { tool: e.data.tool, input: e.data.input, state, output: undefined });
      }
    } else if (e.type === "tool_result") {
      const step = byId.get(e.data.callId);
      if (step) {
        step.state = e.data.isError ? "error" : "done";
        step.output = e.data.output;
      }
    }
  }
  return [...byId.values()];
}

function stateOfCall(call: ToolCall): StepState {
  return call.status === "completed" ? "done" : call.status;
}

/**
 * The checklist. The newest VISIBLE_STEPS are open; older ones sit in a collapsed <details>, as many
 * as `budget` characters allow, newest first, and the rest are counted ("… and N earlier steps").
 * Completed runs collapse everything: the summary is what readers came for.
 */
function renderChecklist(steps: readonly Step[], view: SessionView, budget: number): string {
  if (steps.length === 0) return "";
  const agentDone = view.status !== "running";
  const nowIndex = agentDone ? -1 : findLastIndex(steps, (s) => s.state === "running");
  const lines = steps.map((s, i) => stepLine(s, i === nowIndex, agentDone));
  const openCount = view.status === "completed" ? 0 : Math.min(VISIBLE_STEPS, lines.length);
  const open = lines.slice(lines.length - openCount).join("\n");
  const older = lines.slice(0, lines.length - openCount);
  if (older.length === 0) return open;

  const title =
    view.status === "completed"
      ? `What I did (${countSteps(steps.length)})`
      : `Earlier steps (${formatCount(older.length)})`;
  // Reserve room for the wrapper and the "… and N earlier steps" line that replaces what does not fit.
  let room = budget - open.length - title.length - safeUrl(view.transcriptUrl).length - 160;
  let first = older.length;
  const floor = Math.max(0, older.length - MAX_COLLAPSED_STEPS);
  while (first > floor && older[first - 1]!.length + 1 <= room) {
    first--;
    room -= older[first]!.length + 1;
  }
  const dropped =
    first > 0
      ? `_… and ${countSteps(first)} earlier, in the [transcript](${safeUrl(view.transcriptUrl)})._\n\n`
      : "";
  const collapsed = `<details><summary>${title}</summary>\n\n${dropped}${older.slice(first).join("\n")}\n\n</details>`;
  return open ? `${collapsed}\n\n${open}` : collapsed;
}

function countSteps(n: number): string {
  return `${formatCount(n)} ${n === 1 ? "step" : "steps"}`;
}

function stepLine(step: Step, isNow: boolean, agentDone: boolean): string {
  const d = describeToolCall(step.tool, step.input, step.output);
  if (step.state === "done") return `- [x] ${d.done}`;
  if (step.state === "error") return `- [ ] ❌ ${d.failed}`;
  if (isNow) return `- [ ] **Now:** ${d.now}`;
  return agentDone ? `- [ ] ${d.failed} — _did not finish_` : `- [ ] ${d.now}`;
}

function phaseLine(view: SessionView, run: readonly Event[]): string {
  const sandbox = lastOf(run, "sandbox_status")?.data.status;
  if (view.status === "queued") return "Waiting for a sandbox…";
  if (view.status === "finishing") {
    if (sandbox === "committing" || sandbox === "pushing") return SANDBOX_PHASE[sandbox];
    return view.pr
      ? "Committing, pushing and updating the pull request…"
      : "Committing, pushing and opening a pull request…";
  }
  return sandbox ? SANDBOX_PHASE[sandbox] : "Starting a sandbox…";
}

function failureReason(view: SessionView, run: readonly Event[]): string {
  return (
    view.error ??
    lastOf(run, "execution_complete")?.data.error ??
    lastOf(run, "error")?.data.message ??
    "The run ended without saying why. The transcript has everything that happened."
  );
}

function stopReason(view: SessionView, run: readonly Event[]): string {
  const status = [...run].reverse().find((e) => e.type === "session_status" && e.data.status === "cancelled");
  const reason = (status?.type === "session_status" ? status.data.reason : undefined) ?? view.error;
  return reason?.trim() ? inlineSnippet(reason, DETAIL_MAX) : "";
}

/**
 * Failed and stopped runs say plainly whether the work survived: the design promises that a failed
 * run still pushes what it changed, and a reader must not have to open the transcript to find out.
 */
function savedWorkLine(view: SessionView, run: readonly Event[]): string {
  const push = [...run].reverse().find((e) => e.type === "push_complete" || e.type === "push_error");
  const branchRef = (branch: string) =>
    view.branchUrl ? `[${codeSpan(branch)}](${safeUrl(view.branchUrl)})` : codeSpan(branch);
  if (push?.type === "push_complete") {
    const { branch, pushed, commitsAhead } = push.data;
    const ahead =
      commitsAhead > 0
        ? ` (${formatCount(commitsAhead)} ${commitsAhead === 1 ? "commit" : "commits"} ahead of ${codeSpan(view.baseBranch)})`
        : "";
    if (pushed) return `💾 Changes so far were pushed to ${branchRef(branch)}${ahead}.`;
    if (commitsAhead > 0)
      return `💾 Nothing new to push: ${branchRef(branch)} already has all the changes${ahead}.`;
    return "ℹ️ Nothing was pushed: the agent had not changed any files.";
  }
  if (push?.type === "push_error") {
    return `⚠️ Pushing ${codeSpan(push.data.branch)} failed, so the changes of this run are **not** saved on GitHub: ${inlineSnippet(push.data.error, DETAIL_MAX)}`;
  }
  if (view.run > 1 && view.branchUrl) {
    return `⚠️ Nothing from this run was pushed. ${branchRef(view.branch)} still has the work of the earlier runs.`;
  }
  return "⚠️ Nothing was pushed: no changes from this run were saved.";
}

/** A completed run without a pull request owes the reader the reason. */
function noChangesLine(view: SessionView, run: readonly Event[]): string {
  if (view.pr) return "";
  const push = lastOf(run, "push_complete");
  if (push?.data.pushed) {
    return `ℹ️ The changes were pushed to ${codeSpan(push.data.branch)}, but no pull request was opened.`;
  }
  if (push && push.data.commitsAhead === 0)
    return "ℹ️ The agent made no changes, so there is no pull request.";
  return `ℹ️ No pull request was opened. ${savedWorkLine(view, run)}`;
}

function linksLine(view: SessionView): string {
  const links: string[] = [];
  if (view.pr) links.push(`[Pull request #${view.pr.number}](${safeUrl(view.pr.url)})`);
  if (view.branchUrl) links.push(`[Branch ${codeSpan(view.branch)}](${safeUrl(view.branchUrl)})`);
  links.push(`[Full transcript](${safeUrl(view.transcriptUrl)})`);
  return `🔗 ${links.join(" · ")}`;
}

function footer(view: SessionView, run: readonly Event[]): string {
  let input = 0;
  let output = 0;
  let cost = 0;
  for (const e of run) {
    if (e.type !== "step_finish") continue;
    input += e.data.tokens.input;
    output += e.data.tokens.output;
    cost += e.data.costUsd;
  }
  const parts: string[] = [];
  if (view.run > 1) parts.push(`Run ${view.run}`);
  if (input + output > 0) parts.push(`${formatTokens(input + output)} tokens`);
  if (cost > 0) parts.push(cost < 0.01 ? "<$0.01" : `$${cost.toFixed(2)}`);
  return parts.length > 0 ? `<sub>${parts.join(" · ")}</sub>` : "";
}

/** For people reading the raw body; the bot finds its comment by the stored id, never by this. */
function marker(view: SessionView): string {
  return `<!-- understudy:session:${view.id.replace(/[^\w.:-]/g, "").replace(/-{2,}/g, "-")} -->`;
}

function formatTokens(n: number): string {
  if (n < 1_000) return String(n);
  if (n < 1_000_000) return `${(n / 1_000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** Locale-independent grouping: workerd and Node may not agree on Intl defaults. */
function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

function lastOf<T extends Event["type"]>(
  run: readonly Event[],
  type: T,
): Extract<Event, { type: T }> | undefined {
  for (let i = run.length - 1; i >= 0; i--) {
    const e = run[i]!;
    if (e.type === type) return e as Extract<Event, { type: T }>;
  }
  return undefined;
}

function findLastIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return i;
  return -1;
}
