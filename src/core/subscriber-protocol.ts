/**
 * The live transcript's protocol: a browser (or any client) holding the transcript capability opens
 * `GET /sessions/:id/socket?token=…` and talks to the session's Durable Object in these messages.
 *
 *   → subscribe {}                 ← snapshot: the session view, the newest 100 messages, the newest
 *                                    500 events and a cursor for older history; then live `events`.
 *   → subscribe {after: id}        ← snapshot whose events are the ones stored after `id` (a client
 *                                    that dropped and came back), at most 500; `caughtUp: false` says
 *                                    more follow: send `subscribe {after: <last id>}` again. Live
 *                                    `events` start once a snapshot is caught up, so nothing is missed
 *                                    or sent twice.
 *   → fetch_history {cursor}       ← history: the events just before `cursor`, oldest first.
 *   ← events                       live events, in id order, each sent once per socket.
 *   ← session                      the session view again, whenever its status changes.
 *   ← error                        a message that was not understood; the socket stays open.
 *
 * Event ids (`SessionEvent.id`) are the cursors: they grow with every stored event.
 *
 * The transcript page subscribes with `format: "html"`: the same cursors and guarantees, but events
 * arrive already rendered by the server's one renderer (src/web/transcript-fragments.ts), so the
 * page's script never turns event text into markup:
 *
 *   → subscribe {after, format: "html"}   ← page: the page parts, the fragments after `after`, `last`
 *   ← fragments                            live fragments; `last` is the newest event id they cover
 *   ← parts                                the page's header, details, outcome and queue, re-rendered
 *   → fetch_history {cursor}               ← older: the runs before `cursor`, as HTML sections
 */
import * as z from "zod";
import { SessionEvent, SessionMessage } from "./session-event.js";
import { SessionView } from "./session-view.js";
import { SessionStatus, ToolKind } from "./wire.js";

/** Events in a fresh snapshot: the newest ones; older ones are paged with fetch_history. */
export const SNAPSHOT_EVENTS = 500;
/** Messages (requests) in a snapshot or a session update: the newest ones. */
export const SNAPSHOT_MESSAGES = 100;
/** Largest page of a catch-up snapshot or of history. */
export const PAGE_EVENTS = 500;
/** A cheap keep-alive the Durable Object answers without waking (WebSocket auto-response). */
export const PING = JSON.stringify({ type: "ping" });
export const PONG = JSON.stringify({ type: "pong" });

const eventId = z.number().int().nonnegative();

/** Subscriber → session. */
export const SubscriberMessage = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("subscribe"),
    /** The last event id this client has; absent for a first subscribe. */
    after: eventId.optional(),
    /** `html`: the transcript page's feed of rendered fragments instead of events. */
    format: z.enum(["events", "html"]).optional(),
  }),
  z.object({
    type: z.literal("fetch_history"),
    /** Events with an id below this one; a snapshot's or a history page's `cursor`. */
    cursor: eventId,
    limit: z.number().int().min(1).max(PAGE_EVENTS).optional(),
  }),
  z.object({ type: z.literal("ping") }),
]);
export type SubscriberMessage = z.infer<typeof SubscriberMessage>;

const events = z.array(SessionEvent);

/**
 * One event of the transcript as the page shows it, rendered on the server. `item`: a row appended
 * to its run's log. `call`: a tool call, grouped with the calls of the same kind just before it (a
 * call already shown under `callId` is replaced in place, keeping its result). `result`: a tool's
 * output, put into its call's row (or appended as a row of its own when the call is not on the page).
 */
export const TranscriptFragment = z.object({
  id: eventId,
  run: z.number().int().nonnegative(),
  op: z.enum(["item", "call", "result"]),
  callId: z.string().optional(),
  kind: ToolKind.optional(),
  state: z.enum(["running", "done", "error"]).optional(),
  /** `call`: the empty group row to start when there is none. `result`: the row to append instead when its call is not on the page. */
  alt: z.string().optional(),
  html: z.string(),
});
export type TranscriptFragment = z.infer<typeof TranscriptFragment>;

/** The page's parts that change with the session rather than with each event, rendered on the server. */
export const PageParts = z.object({
  status: SessionStatus,
  live: z.boolean(),
  title: z.string(),
  header: z.string(),
  details: z.string(),
  outcome: z.string(),
  queue: z.string(),
  /** Heading of each run the parts know about, by run number. */
  heads: z.array(z.object({ run: z.number().int().nonnegative(), html: z.string() })),
});
export type PageParts = z.infer<typeof PageParts>;
/** Pass to fetch_history for the events before these; null when there are none. */
const historyCursor = eventId.nullable();

/** Session → subscriber. */
export const SessionFeedMessage = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("snapshot"),
    session: SessionView,
    messages: z.array(SessionMessage),
    events,
    cursor: historyCursor,
    /** False when a resuming client missed more than one page: it asks again with `after`. */
    caughtUp: z.boolean(),
  }),
  z.object({ type: z.literal("history"), events, cursor: historyCursor, hasMore: z.boolean() }),
  z.object({ type: z.literal("events"), events }),
  z.object({ type: z.literal("session"), session: SessionView, messages: z.array(SessionMessage) }),
  z.object({
    type: z.literal("page"),
    parts: PageParts,
    fragments: z.array(TranscriptFragment),
    /** The newest event id this message covers (events with nothing to show still move it). */
    last: eventId,
    caughtUp: z.boolean(),
  }),
  z.object({ type: z.literal("fragments"), fragments: z.array(TranscriptFragment), last: eventId }),
  z.object({ type: z.literal("parts"), parts: PageParts }),
  z.object({
    type: z.literal("older"),
    html: z.string(),
    cursor: historyCursor,
    hasMore: z.boolean(),
    /** Events still older than this page. */
    remaining: z.number().int().nonnegative(),
  }),
  z.object({ type: z.literal("pong") }),
  z.object({ type: z.literal("error"), message: z.string(), issues: z.array(z.string()).optional() }),
]);
export type SessionFeedMessage = z.infer<typeof SessionFeedMessage>;
