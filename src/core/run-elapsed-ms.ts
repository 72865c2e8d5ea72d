/**
 * How long the session's current run has taken, by the control plane's clock: a live run ticks
 * with `now`; a finished one shows its duration, frozen, so edits after the end do not tick on.
 */
import type { SessionView } from "./session-view.js";
import type { RunSummary } from "./summarize-run.js";
import { isTerminal } from "./wire.js";

export function runElapsedMs(view: SessionView, run: RunSummary, now: Date): number {
  const start = Date.parse(view.runStartedAt);
  if (!isTerminal(view.status)) return now.getTime() - start;
  const end = Date.parse(view.finishedAt ?? run.endedAt ?? run.lastAt ?? "");
  return (Number.isNaN(end) ? now.getTime() : end) - start;
}

/**
 * How long a past run took: from its first recorded status to its terminal one, both written by the
 * control plane, so no sandbox clock is involved. Undefined while the run has not ended.
 */
export function pastRunElapsedMs(run: RunSummary): number | undefined {
  if (!run.startedAt || !run.endedAt) return undefined;
  const ms = Date.parse(run.endedAt) - Date.parse(run.startedAt);
  return Number.isNaN(ms) ? undefined : ms;
}
