/**
 * Status, as an operation of the session: its state, what the agent is doing now, and what is queued.
 * The REST API returns it as JSON; a `status` comment gets it as a short reply.
 */

import { describeToolCall } from "../../src/core/describe-tool-call.js";
import { inlineSnippet, inlineText } from "../../src/core/gfm-escape.js";
import type { SessionMessage } from "../../src/core/session-event.js";
import { summarizeRun } from "../../src/core/summarize-run.js";
import type { SessionStatus } from "../../src/core/wire.js";
import type { SessionDeps } from "./session-deps.js";
import { toMessage } from "./store.js";

export type SessionStatusReport = {
  state: SessionStatus | "idle";
  run: number;
  /** What the run is doing, in a few words ("Running npm test", "Cloning the repository"). */
  step: string | null;
  stoppedBy: string | null;
  branch: string | null;
  pr: { number: number; url: string } | null;
  queue: SessionMessage[];
};

export function sessionStatus(d: SessionDeps): SessionStatusReport {
  const s = d.store.getSession();
  const queue = d.store.queuedRequests().map(toMessage);
  if (!s) return { state: "idle", run: 0, step: null, stoppedBy: null, branch: null, pr: null, queue };
  return {
    state: s.status,
    run: s.run,
    step: currentStep(d, s.run),
    stoppedBy: s.stoppedBy,
    branch: s.branch,
    pr: s.pr,
    queue,
  };
}

/** The step in progress (or the last one), in the status comment's words; else the sandbox's phase. */
function currentStep(d: SessionDeps, run: number): string | null {
  const summary = summarizeRun(d.store.events(run));
  const step = summary.steps.findLast((x) => x.state === "running") ?? summary.steps.at(-1);
  if (step) {
    const text = describeToolCall(step.call);
    return step.state === "running" ? text.now : text.done;
  }
  return summary.sandboxStatus ? summary.sandboxStatus.replace(/_/g, " ") : null;
}

/** The reply to a `status` comment. */
export function statusReplyText(r: SessionStatusReport, asker: string): string {
  const lines = [`@${asker} `];
  if (r.state === "idle") lines[0] += "Nothing has run here yet.";
  else {
    lines[0] += `Run ${r.run} is **${r.state}**${r.stoppedBy ? ` (stopped by @${r.stoppedBy})` : ""}.`;
    if (r.step) lines.push(`Now: ${inlineSnippet(r.step, 200)}`);
    if (r.branch) lines.push(`Branch: \`${r.branch}\`${r.pr ? ` · PR #${r.pr.number}` : ""}`);
  }
  if (r.queue.length > 0)
    lines.push(
      `Queued (${r.queue.length}): ${r.queue.map((m) => `${inlineText(`@${m.author}`, 40)}: ${inlineText(m.text, 80)}`).join("; ")}`,
    );
  return lines.join("\n");
}
