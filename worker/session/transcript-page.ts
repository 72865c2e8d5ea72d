/**
 * What the transcript page is rendered from, read from the store in a few bounded queries: the
 * newest events (or a page of older ones), the results that follow them, and the session's facts.
 * A 10,000-event session costs the first response no more than a 150-event one.
 */
import type { PageParts } from "../../src/core/subscriber-protocol.js";
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

/** How far past a page to look for the results of its calls: results follow their calls closely. */
const RESULT_LOOKAHEAD = 200;

export function readFacts(d: SessionDeps): TranscriptFacts {
  const changed = d.store.changedPaths(FILES_SHOWN);
  const facts = transcriptFacts(
    d.store.eventsOfTypes(FACT_EVENT_TYPES),
    changed.paths,
    d.store.countEvents(),
  );
  return { ...facts, filesChangedTotal: changed.total };
}

/** The page's data: the newest TRANSCRIPT_PAGE_EVENTS events. Null for a session that never ran. */
export async function transcriptPageData(d: SessionDeps): Promise<TranscriptPageData | null> {
  const view = await currentView(d);
  if (!view) return null;
  const page = d.store.eventsBefore(null, d.config.TRANSCRIPT_PAGE_EVENTS);
  const first = page.events[0]?.id ?? null;
  return {
    view,
    events: page.events,
    results: [],
    facts: readFacts(d),
    olderCursor: page.hasMore ? first : null,
    olderCount: page.hasMore && first !== null ? d.store.countEvents(first) : 0,
    last: page.events.at(-1)?.id ?? 0,
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
