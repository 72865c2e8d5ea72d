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
 */
import { z } from "zod";
import { SessionEvent, SessionMessage } from "./session-event.js";
import { SessionView } from "./session-view.js";

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
  z.object({ type: z.literal("pong") }),
  z.object({ type: z.literal("error"), message: z.string(), issues: z.array(z.string()).optional() }),
]);
export type SessionFeedMessage = z.infer<typeof SessionFeedMessage>;
