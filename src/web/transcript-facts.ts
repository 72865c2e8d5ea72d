/**
 * What the transcript page says about the whole session without reading every event: each run's
 * heading facts (statuses, prompt, usage, ending, pushes) from the few events that carry them, the
 * files the agent changed, and how many events there are. The SessionDO reads these with three
 * small queries; tests build them from a list of events.
 */
import type { SessionEvent } from "../core/session-event.js";
import type { SessionView } from "../core/session-view.js";
import { type RunSummary, summarizeRun } from "../core/summarize-run.js";
import type { EventType } from "../core/wire.js";

/** The event types a run's heading and the details panel need; a small share of a long run. */
export const FACT_EVENT_TYPES = [
  "session_status",
  "user_message",
  "step_finish",
  "execution_complete",
  "push_complete",
  "push_error",
  "artifact",
  "error",
] as const satisfies readonly EventType[];

/** The details panel lists this many changed files; the rest are counted. */
export const FILES_SHOWN = 200;

export interface TranscriptFacts {
  /** Each run with what its fact events add up to, in run order. */
  runs: { run: number; summary: RunSummary }[];
  /** Paths the agent wrote or edited, first `FILES_SHOWN`, and how many there are in all. */
  filesChanged: string[];
  filesChangedTotal: number;
  eventCount: number;
}

/** Everything a transcript page is rendered from: the view, a window of the log, and the facts. */
export interface TranscriptPageData {
  view: SessionView;
  /** The newest events (or the page before a cursor), oldest first. */
  events: SessionEvent[];
  /** Results stored after the window of calls in it, so those calls show how they went. */
  results: SessionEvent[];
  facts: TranscriptFacts;
  /** Pass to fetch_history for the events before the window; null when there are none. */
  olderCursor: number | null;
  olderCount: number;
  /** Id of the newest event on the page, 0 when there is none: where the live feed resumes. */
  last: number;
}

/** Facts from events: `factEvents` may be all of a session's events or only the FACT_EVENT_TYPES. */
export function transcriptFacts(
  factEvents: readonly SessionEvent[],
  changedPaths: readonly string[],
  eventCount: number,
): TranscriptFacts {
  const byRun = new Map<number, SessionEvent["event"][]>();
  const wanted = new Set<string>(FACT_EVENT_TYPES);
  for (const { run, event } of factEvents) {
    if (!wanted.has(event.type)) continue;
    const list = byRun.get(run) ?? [];
    list.push(event);
    byRun.set(run, list);
  }
  const distinct = [...new Set(changedPaths)];
  return {
    runs: [...byRun.entries()]
      .sort(([a], [b]) => a - b)
      .map(([run, list]) => ({ run, summary: summarizeRun(list) })),
    filesChanged: distinct.slice(0, FILES_SHOWN),
    filesChangedTotal: distinct.length,
    eventCount,
  };
}

/** Paths written or edited in `events`, in first-seen order: for tests and small sessions. */
export function changedPathsOf(events: readonly SessionEvent[]): string[] {
  const out: string[] = [];
  for (const { event } of events)
    if (
      event.type === "tool_call" &&
      (event.data.kind === "edit" || event.data.kind === "write") &&
      event.data.path
    )
      out.push(event.data.path);
  return out;
}
