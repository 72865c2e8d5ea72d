/**
 * Live transcript subscribers (protocol: src/core/subscriber-protocol.ts). Hibernatable WebSockets
 * tagged "viewer": everything a socket needs between messages (is it live, the last event id it was
 * sent) lives in its attachment, so an idle session with open viewers can be evicted and costs
 * nothing; a woken object pushes from the attachments alone.
 *
 * Consistency comes from SQLite being synchronous: a snapshot reads the log and stores its cursor
 * in the same step, and a push sends a socket only the events after its cursor. An event stored
 * before the snapshot is in it; one stored after is pushed; none is sent twice.
 */

import type { SessionEvent, SessionMessage } from "../../src/core/session-event.js";
import type { SessionView } from "../../src/core/session-view.js";
import { verifyLink } from "../../src/core/sign-link.js";
import {
  PAGE_EVENTS,
  type PageParts,
  PING,
  PONG,
  type SessionFeedMessage,
  SNAPSHOT_EVENTS,
  SNAPSHOT_MESSAGES,
  SubscriberMessage,
} from "../../src/core/subscriber-protocol.js";
import { renderPageParts } from "../../src/web/render-page-parts.js";
import { FACT_EVENT_TYPES } from "../../src/web/transcript-facts.js";
import { toFragments } from "../../src/web/transcript-fragments.js";
import { linkSecret } from "../config.js";
import type { SessionDeps } from "./session-deps.js";
import type { SessionRecord } from "./session-record.js";
import { toSessionView } from "./session-view.js";
import { type StoreHooks, toMessage } from "./store.js";
import { olderRuns, pageParts, readFacts } from "./transcript-page.js";
import { transcriptUrl } from "./transcript-url.js";

const TAG = "viewer";
const PAGE_FACT_TYPES = new Set<string>(FACT_EVENT_TYPES);

type ViewerAttachment = {
  role: "viewer";
  /** `html`: the transcript page's feed of rendered fragments (subscriber-protocol.ts). */
  format?: "events" | "html";
  /** Caught up: receives live events. A resuming socket is not live until its last page. */
  live: boolean;
  /** Id of the newest event this socket has been sent (0: none). */
  cursor: number;
};

export function isViewerSocket(ws: WebSocket): boolean {
  return attachmentOf(ws) !== null;
}

/**
 * Upgrades a request the Worker already checked. The capability is checked again here, so no other
 * route to this object can open a viewer without it.
 */
export async function acceptViewerSocket(d: SessionDeps, request: Request): Promise<Response> {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return Response.json({ error: "expected a WebSocket upgrade" }, { status: 426 });
  }
  const token = new URL(request.url).searchParams.get("token") ?? "";
  if (!(await verifyLink(linkSecret(d.config), "transcript", d.id, token)) || !d.store.getSession()) {
    return Response.json({ error: "no such transcript" }, { status: 404 });
  }
  const pair = new WebSocketPair();
  const server = pair[1];
  d.ctx.acceptWebSocket(server, [TAG]);
  server.serializeAttachment({ role: "viewer", live: false, cursor: 0 } satisfies ViewerAttachment);
  // Keep-alive pings are answered by the runtime without waking the object.
  d.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  return new Response(null, { status: 101, webSocket: pair[0] });
}

/** A message from a viewer. A malformed one gets an `error` answer; the socket stays open. */
export async function onViewerMessage(
  d: SessionDeps,
  ws: WebSocket,
  raw: string | ArrayBuffer,
): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
  } catch {
    send(ws, { type: "error", message: "message is not JSON" });
    return;
  }
  const parsed = SubscriberMessage.safeParse(json);
  if (!parsed.success) {
    send(ws, {
      type: "error",
      message: "message does not match the subscriber protocol",
      issues: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "message"}: ${i.message}`),
    });
    return;
  }
  const msg = parsed.data;
  if (msg.type === "ping") send(ws, { type: "pong" });
  else if (msg.type === "fetch_history" && attachmentOf(ws)?.format === "html") {
    send(ws, { type: "older", ...(await olderRuns(d, msg.cursor, msg.limit ?? PAGE_EVENTS)) });
  } else if (msg.type === "fetch_history") {
    const page = d.store.eventsBefore(msg.cursor, msg.limit ?? PAGE_EVENTS);
    send(ws, {
      type: "history",
      events: page.events,
      cursor: page.hasMore ? (page.events[0]?.id ?? null) : null,
      hasMore: page.hasMore,
    });
  } else if (msg.format === "html") await subscribePage(d, ws, msg.after ?? 0);
  else await subscribe(d, ws, msg.after);
}

/** The other side closed: answer the close handshake. Nothing else to clean up, state is per socket. */
export function closeViewerSocket(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
  } catch {
    // already closed
  }
}

async function subscribe(d: SessionDeps, ws: WebSocket, after: number | undefined): Promise<void> {
  const first = d.store.getSession();
  if (!first) {
    send(ws, { type: "error", message: "no such session" });
    return;
  }
  const url = await transcriptUrl(d, first.publicUrl);
  // No await from here on: the snapshot and the socket's cursor describe one instant of the log.
  const s = d.store.getSession() ?? first;
  let events: SessionEvent[];
  let caughtUp = true;
  if (after === undefined) {
    events = d.store.eventsBefore(null, SNAPSHOT_EVENTS).events;
  } else {
    events = d.store.eventsAfter(after, PAGE_EVENTS + 1);
    caughtUp = events.length <= PAGE_EVENTS;
    if (!caughtUp) events = events.slice(0, PAGE_EVENTS);
  }
  // Nothing missed: a cursor past the end of the log (a client of a wiped session) is clamped, or
  // the next events would be skipped.
  const cursor = events.at(-1)?.id ?? Math.min(after ?? 0, d.store.eventsBefore(null, 1).events[0]?.id ?? 0);
  const oldest = events[0]?.id ?? cursor + 1;
  const sent = send(ws, {
    type: "snapshot",
    ...sessionState(d, s, url),
    events,
    cursor: d.store.eventsBefore(oldest, 0).hasMore ? oldest : null,
    caughtUp,
  });
  if (sent) ws.serializeAttachment({ role: "viewer", live: caughtUp, cursor } satisfies ViewerAttachment);
}

/**
 * The transcript page's subscribe: the session's parts and the fragments after `after`. The parts
 * are rendered first (that awaits); the log is then read and the cursor stored in one synchronous
 * step, as in subscribe. A session that changed while the parts were rendered is rendered again,
 * so the page never keeps a header older than its log.
 */
async function subscribePage(d: SessionDeps, ws: WebSocket, after: number): Promise<void> {
  let parts: PageParts | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = JSON.stringify(d.store.getSession());
    parts = await pageParts(d);
    if (JSON.stringify(d.store.getSession()) === before) break;
  }
  if (!parts) {
    send(ws, { type: "error", message: "no such session" });
    return;
  }
  let events = d.store.eventsAfter(after, PAGE_EVENTS + 1);
  const caughtUp = events.length <= PAGE_EVENTS;
  if (!caughtUp) events = events.slice(0, PAGE_EVENTS);
  const cursor = events.at(-1)?.id ?? Math.min(after, d.store.eventsBefore(null, 1).events[0]?.id ?? 0);
  const sent = send(ws, { type: "page", parts, fragments: toFragments(events), last: cursor, caughtUp });
  if (sent)
    ws.serializeAttachment({
      role: "viewer",
      format: "html",
      live: caughtUp,
      cursor,
    } satisfies ViewerAttachment);
}

function sessionState(
  d: SessionDeps,
  s: SessionRecord,
  url: string,
): { session: SessionView; messages: SessionMessage[] } {
  const queue = d.store
    .queuedRequests()
    .map((r) => ({ author: r.request.requester.login, text: r.request.task }));
  return {
    session: toSessionView(s, url, queue),
    messages: d.store.recentRequests(SNAPSHOT_MESSAGES).map(toMessage),
  };
}

/**
 * The store's hook: pushes every stored event to the live viewers. Events stored in one synchronous
 * step (a sandbox batch, a transition's row and event) go out as one message per socket, a microtask
 * later; a `session_status` among them also sends the session view again. Pushes are serialized, so a
 * socket sees them in id order.
 */
export function liveViewers(deps: () => SessionDeps): StoreHooks {
  let pending: SessionEvent[] = [];
  let sessionChanged = false;
  let scheduled = false;
  let chain: Promise<void> = Promise.resolve();
  const flush = async (): Promise<void> => {
    const batch = pending;
    const changed = sessionChanged;
    pending = [];
    sessionChanged = false;
    scheduled = false;
    const d = deps();
    if ((batch.length === 0 && !changed) || d.ctx.getWebSockets(TAG).length === 0) return;
    const statusChanged = changed || batch.some((e) => e.event.type === "session_status");
    // The page's details (usage, files changed, pushes) follow these too, not only the status.
    const pageChanged =
      statusChanged ||
      batch.some(
        (e) =>
          PAGE_FACT_TYPES.has(e.event.type) ||
          (e.event.type === "tool_call" && (e.event.data.kind === "edit" || e.event.data.kind === "write")),
      );
    const htmlLive = d.ctx.getWebSockets(TAG).some((ws) => {
      const a = attachmentOf(ws);
      return a?.live === true && a.format === "html";
    });
    const first = statusChanged || (pageChanged && htmlLive) ? d.store.getSession() : null;
    const url = first ? await transcriptUrl(d, first.publicUrl) : null;
    // No await from here on, for the same reason as in subscribe.
    const s = url === null ? null : (d.store.getSession() ?? first);
    const sockets = d.ctx.getWebSockets(TAG).map((ws) => ({ ws, a: attachmentOf(ws) }));
    const anyHtml = sockets.some((x) => x.a?.live && x.a.format === "html");
    const anyEvents = sockets.some((x) => x.a?.live && x.a.format !== "html");
    const state = s && url ? sessionState(d, s, url) : null;
    const update = state && anyEvents && statusChanged ? feedText({ type: "session", ...state }) : null;
    const parts =
      state && anyHtml
        ? feedText({ type: "parts", parts: renderPageParts(state.session, readFacts(d), new Date(d.now())) })
        : null;
    const whole = anyEvents ? eventPages(batch) : [];
    const wholePage = anyHtml ? fragmentPages(batch) : [];
    for (const { ws, a } of sockets) {
      if (!a?.live) continue;
      const html = a.format === "html";
      const fresh = batch.filter((e) => e.id > a.cursor);
      const last = fresh.at(-1);
      if (last) {
        const texts =
          fresh.length === batch.length
            ? html
              ? wholePage
              : whole
            : html
              ? fragmentPages(fresh)
              : eventPages(fresh);
        for (const t of texts) sendText(ws, t);
        ws.serializeAttachment({ ...a, cursor: last.id } satisfies ViewerAttachment);
      }
      const change = html ? parts : update;
      if (change) sendText(ws, change);
    }
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    chain = chain.then(flush).catch((error) => deps().log("viewer push failed", { error: String(error) }));
  };
  return {
    onEvents(events) {
      pending.push(...events);
      schedule();
    },
    onSessionChanged() {
      sessionChanged = true;
      schedule();
    },
  };
}

/** `events` messages of at most a page each. */
function eventPages(events: readonly SessionEvent[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < events.length; i += PAGE_EVENTS)
    out.push(feedText({ type: "events", events: events.slice(i, i + PAGE_EVENTS) }));
  return out;
}

/** `fragments` messages of at most a page of events each; `last` moves past quiet events too. */
function fragmentPages(events: readonly SessionEvent[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < events.length; i += PAGE_EVENTS) {
    const page = events.slice(i, i + PAGE_EVENTS);
    out.push(feedText({ type: "fragments", fragments: toFragments(page), last: page.at(-1)?.id ?? 0 }));
  }
  return out;
}

function attachmentOf(ws: WebSocket): ViewerAttachment | null {
  const a = ws.deserializeAttachment() as { role?: unknown } | null;
  return a?.role === "viewer" ? (a as ViewerAttachment) : null;
}

const feedText = (msg: SessionFeedMessage): string => JSON.stringify(msg);

function send(ws: WebSocket, msg: SessionFeedMessage): boolean {
  return sendText(ws, feedText(msg));
}

function sendText(ws: WebSocket, text: string): boolean {
  try {
    ws.send(text);
    return true;
  } catch {
    // closing: the viewer reconnects with `after` and gets what it missed
    return false;
  }
}
