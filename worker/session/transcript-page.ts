/**
 * What the transcript page is rendered from, read from the store in a few bounded queries: the
 * newest events (or a page of older ones), the results that follow them, and the session's facts.
 * A 10,000-event session costs the first response no more than a 150-event one.
 */
import type { SessionEvent } from "../../src/core/session-event.js";
import type { PageParts } from "../../src/core/subscriber-protocol.js";
import { BLOCK_CHARS } from "../../src/web/render-event.js";
import { renderPageParts } from "../../src/web/render-page-parts.js";
import { renderRuns } from "../../src/web/render-runs.js";
import {
  FACT_EVENT_TYPES,
  FILES_SHOWN,
  type TranscriptFacts,
  type TranscriptPageData,
  transcriptFacts,
} from "../../src/web/transcript-facts.js";
import type { SessionDeps } from "./session-deps.js";
import { currentView } from "./session-view.js";

/**
 * What the first response may carry of the events' own text (outputs, contents, messages): with
 * the page around it, well under 300 KB however large a few outputs are.
 */
const FIRST_PAGE_DATA_CHARS = 120_000;

/** The newest of `events` (oldest first) whose data fits the budget; at least the newest one. */
function withinBudget(events: readonly SessionEvent[]): SessionEvent[] {
  let used = 0;
  let from = events.length;
  while (from > 0) {
    const size = Math.min(JSON.stringify(events[from - 1]!.event.data).length, 2 * BLOCK_CHARS + 2_000);
    if (from < events.length && used + size > FIRST_PAGE_DATA_CHARS) break;
    used += size;
    from--;
  }
  return events.slice(from);
}

/** How far past a page to look for the results of its calls: results follow their calls closely. */
const RESULT_LOOKAHEAD = 200;

/**
 * What the page's facts are folded from, kept per object and brought up to date with the events
 * stored since: a page request, a subscribe or a live update costs the new events, not the log.
 * Events are only ever appended, so the fold stays right; a restarted object folds the log once.
 */
type FactsFold = {
  last: number;
  factEvents: SessionEvent[];
  paths: string[];
  seen: Set<string>;
  count: number;
};
const folds = new WeakMap<SessionDeps, FactsFold>();
const FACT_TYPES = new Set<string>(FACT_EVENT_TYPES);
/** Events read per step while catching up; bounded so one step never holds a huge log in memory. */
const FOLD_PAGE = 2_000;

export function readFacts(d: SessionDeps): TranscriptFacts {
  let fold = folds.get(d);
  if (!fold) {
    const factEvents = d.store.eventsOfTypes(FACT_EVENT_TYPES);
    const paths = d.store.changedPaths(Number.MAX_SAFE_INTEGER).paths;
    const last = d.store.eventsBefore(null, 1).events[0]?.id ?? 0;
    fold = { last, factEvents, paths, seen: new Set(paths), count: d.store.countEvents() };
    folds.set(d, fold);
  }
  for (let step = 0; step < 10_000; step++) {
    const fresh = d.store.eventsAfter(fold.last, FOLD_PAGE);
    for (const e of fresh) {
      fold.count++;
      if (FACT_TYPES.has(e.event.type)) fold.factEvents.push(e);
      if (e.event.type === "tool_call" && (e.event.data.kind === "edit" || e.event.data.kind === "write")) {
        const path = e.event.data.path;
        if (path && !fold.seen.has(path)) {
          fold.seen.add(path);
          fold.paths.push(path);
        }
      }
    }
    fold.last = fresh.at(-1)?.id ?? fold.last;
    if (fresh.length < FOLD_PAGE) break;
  }
  const facts = transcriptFacts(fold.factEvents, fold.paths.slice(0, FILES_SHOWN), fold.count);
  return { ...facts, filesChangedTotal: fold.paths.length };
}

/** The page's data: the newest TRANSCRIPT_PAGE_EVENTS events. Null for a session that never ran. */
export async function transcriptPageData(d: SessionDeps): Promise<TranscriptPageData | null> {
  const view = await currentView(d);
  if (!view) return null;
  const page = d.store.eventsBefore(null, d.config.TRANSCRIPT_PAGE_EVENTS);
  const events = withinBudget(page.events);
  const hasMore = page.hasMore || events.length < page.events.length;
  const first = events[0]?.id ?? null;
  return {
    view,
    events,
    results: [],
    facts: readFacts(d),
    olderCursor: hasMore ? first : null,
    olderCount: hasMore && first !== null ? d.store.countEvents(first) : 0,
    last: events.at(-1)?.id ?? 0,
  };
}

/** The page's session parts, now. Null for a session that never ran. */
export async function pageParts(d: SessionDeps): Promise<PageParts | null> {
  const view = await currentView(d);
  return view ? renderPageParts(view, readFacts(d), new Date(d.now())) : null;
}

/** A page of older history as HTML sections, for the page's "load earlier events". */
export async function olderRuns(
  d: SessionDeps,
  cursor: number,
  limit: number,
): Promise<{ html: string; cursor: number | null; hasMore: boolean; remaining: number }> {
  const page = d.store.eventsBefore(cursor, limit);
  const parts = await pageParts(d);
  const heads = new Map((parts?.heads ?? []).map((h) => [h.run, h.html]));
  const lastId = page.events.at(-1)?.id;
  const results =
    lastId === undefined
      ? []
      : d.store.eventsAfter(lastId, RESULT_LOOKAHEAD).filter((x) => x.event.type === "tool_result");
  return {
    html: renderRuns(page.events, heads, results),
    cursor: page.hasMore ? (page.events[0]?.id ?? null) : null,
    hasMore: page.hasMore,
    remaining: page.hasMore && page.events[0] ? d.store.countEvents(page.events[0].id) : 0,
  };
}
