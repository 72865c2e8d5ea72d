/**
 * The bridge's half of the event protocol: numbers events, batches them over one WebSocket to the
 * control plane, and keeps every event until the control plane acknowledges it. After a reconnect it
 * says `hello{lastAckedSeq}`, waits for the answering `ack`, and resends everything after it, so the
 * control plane (which stores by seq and ignores a seq it already has) ends up with each event once.
 *
 * With a spool (event-spool.ts), every event is on disk before it is queued, and a stream created on
 * the same file again, by a restarted bridge of the same run, resends what was never acknowledged and
 * numbers new events after the last one in the file.
 */
import WebSocket from "ws";
import { ControlMessage, Event, type EventInput, type SandboxMessage } from "../../core/wire.js";
import { openSpool, type Spool } from "./event-spool.js";
import type { BridgeLog } from "./log.js";

export type EventStreamOptions = {
  /** ws:// or wss:// URL of the session's sandbox socket. */
  url: string;
  /** Sent as `Authorization: Bearer`; never logged. */
  token: string;
  /** Events get startSeq+1, startSeq+2, …; everything up to startSeq belongs to earlier runs. */
  startSeq: number;
  /** Every control message except `ack`, which the stream handles itself. */
  onControl?: (msg: ControlMessage) => void;
  /** Called once when the stream gives up reconnecting; nothing is sent after that. */
  onFailed?: (err: Error) => void;
  log?: BridgeLog;
  /** Longest an event waits before it is sent. */
  flushMs?: number;
  batchSize?: number;
  /** Total time of consecutive failure (no connection that answered) before giving up. */
  giveUpAfterMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** How long to wait for the ack that answers a hello before sending anyway. */
  helloAckTimeoutMs?: number;
  /**
   * Spool events to `path` (see event-spool.ts). The session and run name whose events the file
   * holds: a file of another run is moved aside, never resent under this run's token. A path alone
   * could not tell, and the stream knows neither otherwise.
   */
  spool?: { path: string; sessionId: string; run: number; compactAtBytes?: number };
};

export type EventStream = {
  /** Numbers, stamps and queues an event; returns it as sent. */
  emit(input: EventInput): Event;
  /** Resolves true once every emitted event is acknowledged; false on timeout or if the stream failed. */
  drain(timeoutMs: number): Promise<boolean>;
  readonly lastAckedSeq: number;
  readonly failed: boolean;
  close(): void;
};

// The wire schema allows 500 events per message; 100 keeps one message well under the control
// plane's WebSocket message size limit even with large tool outputs.
const DEFAULT_BATCH = 100;

export function createEventStream(opts: EventStreamOptions): EventStream {
  const flushMs = opts.flushMs ?? 50;
  const batchSize = Math.min(opts.batchSize ?? DEFAULT_BATCH, 500);
  const giveUpAfterMs = opts.giveUpAfterMs ?? 60_000;
  const backoffInitialMs = opts.backoffInitialMs ?? 250;
  const backoffMaxMs = opts.backoffMaxMs ?? 5_000;
  const helloAckTimeoutMs = opts.helloAckTimeoutMs ?? 2_000;
  const log = opts.log;

  /** Unacknowledged events, in seq order. */
  let pending: Event[] = [];
  let lastSeq = opts.startSeq;
  let lastAcked = opts.startSeq;
  let spool: Spool | null = null;
  if (opts.spool) {
    const { path, sessionId, run, compactAtBytes } = opts.spool;
    try {
      const opened = openSpool(path, { sessionId, run, startSeq: opts.startSeq }, { compactAtBytes });
      const found = opened.recovered;
      spool = opened.spool;
      if (found.movedAside) log?.warn(`moved an event spool of another run aside to ${found.movedAside}`);
      if (found.cutBytes > 0) log?.warn(`cut a torn line of ${found.cutBytes} bytes from the event spool`);
      if (found.replaced > 0) log?.warn(`${found.replaced} spooled events were unreadable: resent as errors`);
      if (found.events.length > 0) {
        log?.info(
          `resending ${found.events.length} spooled events the control plane never acknowledged ` +
            `(seq ${found.events[0]!.seq}–${found.lastSeq})`,
        );
      }
      pending = found.events;
      // After the file's last seq, not startSeq: the spooled events keep theirs.
      lastSeq = Math.max(opts.startSeq, found.lastSeq);
      lastAcked = found.lastAcked;
    } catch (err) {
      log?.error(`could not open the event spool ${path}: ${errorText(err)}; events are kept in memory only`);
    }
  }
  /** Highest seq sent on the current connection. */
  let sentUpTo = lastAcked;
  let ws: WebSocket | null = null;
  /** True once the current connection's hello was answered (or went unanswered for too long). */
  let ready = false;
  let closed = false;
  let failed = false;
  let failingSince: number | null = null;
  let attempt = 0;
  let flushTimer: NodeJS.Timeout | null = null;
  let helloTimer: NodeJS.Timeout | null = null;
  let reconnectTimer: NodeJS.Timeout | null = null;
  const drainWaiters = new Set<(drained: boolean) => void>();

  const settleWaiters = (drained: boolean) => {
    for (const w of drainWaiters) w(drained);
    drainWaiters.clear();
  };

  const clearTimer = (t: NodeJS.Timeout | null) => {
    if (t) clearTimeout(t);
    return null;
  };

  const send = (msg: SandboxMessage) => ws?.send(JSON.stringify(msg));

  /**
   * Runs `use` on the spool; undefined when there is none or it failed. A spool that fails once is deleted rather than left behind: a restart
   * would resend its events and number new ones after its last seq, reusing seqs this stream has
   * already sent from memory.
   */
  const spooled = <T>(use: (s: Spool) => T): T | undefined => {
    if (!spool) return undefined;
    try {
      return use(spool);
    } catch (err) {
      log?.error(
        `the event spool failed: ${errorText(err)}; it is deleted and events are kept in memory only`,
      );
      spool.discard();
      spool = null;
      return undefined;
    }
  };

  const flush = () => {
    flushTimer = clearTimer(flushTimer);
    if (!ready || ws?.readyState !== WebSocket.OPEN) return;
    const start = pending.findIndex((e) => e.seq > sentUpTo);
    if (start < 0) return;
    // Nothing leaves the sandbox before it is on disk: see event-spool.ts.
    spooled((s) => s.sync());
    for (let i = start; i < pending.length; i += batchSize) {
      const events = pending.slice(i, i + batchSize);
      send({ type: "events", events });
      sentUpTo = events[events.length - 1]!.seq;
    }
  };

  const scheduleFlush = () => {
    if (!ready) return;
    const unsent = lastSeq - sentUpTo;
    if (unsent >= batchSize) flush();
    else if (!flushTimer) flushTimer = setTimeout(flush, flushMs);
  };

  const markReady = () => {
    helloTimer = clearTimer(helloTimer);
    if (ready) return;
    ready = true;
    flush();
  };

  const handleAck = (seq: number) => {
    if (seq > lastSeq) log?.warn(`control plane acknowledged seq ${seq}, beyond the last emitted ${lastSeq}`);
    if (seq > lastAcked) {
      lastAcked = seq;
      pending = pending.filter((e) => e.seq > seq);
      spooled((s) => s.ack(seq));
    } else if (seq < lastAcked) {
      // The control plane lost events it had acknowledged; the spool still has them until it is
      // compacted (and a stream without a spool has nothing to resend, so it carries on as before).
      const restored = spooled((s) => s.rewind(seq));
      if (restored) {
        log?.warn(
          `control plane acknowledged seq ${seq} after ${lastAcked}: resending ${restored.length} spooled events`,
        );
        pending = [...restored, ...pending];
        lastAcked = seq;
        sentUpTo = Math.min(sentUpTo, seq);
      }
    }
    if (sentUpTo < lastAcked) sentUpTo = lastAcked;
    if (pending.length === 0) settleWaiters(true);
  };

  const fail = (err: Error) => {
    if (failed) return;
    failed = true;
    closed = true;
    log?.error(err.message);
    reconnectTimer = clearTimer(reconnectTimer);
    settleWaiters(false);
    opts.onFailed?.(err);
  };

  const onDisconnect = () => {
    ws = null;
    ready = false;
    helloTimer = clearTimer(helloTimer);
    flushTimer = clearTimer(flushTimer);
    if (closed) return;
    const now = Date.now();
    failingSince ??= now;
    const failingFor = now - failingSince;
    if (failingFor >= giveUpAfterMs) {
      fail(
        new Error(
          `gave up on the control plane after ${Math.round(failingFor / 1000)} s without a connection`,
        ),
      );
      return;
    }
    const backoff = Math.min(backoffMaxMs, backoffInitialMs * 2 ** attempt);
    attempt += 1;
    // Jitter spreads reconnects of many sandboxes after a control-plane restart; the last attempt
    // lands on the give-up deadline rather than past it.
    const delay = Math.min(backoff * (0.5 + Math.random() / 2), giveUpAfterMs - failingFor);
    reconnectTimer = setTimeout(connect, delay);
  };

  function connect() {
    reconnectTimer = null;
    if (closed) return;
    const socket = new WebSocket(opts.url, {
      headers: { Authorization: `Bearer ${opts.token}` },
      handshakeTimeout: 10_000,
    });
    ws = socket;
    socket.on("open", () => {
      sentUpTo = lastAcked;
      send({ type: "hello", lastAckedSeq: lastAcked });
      helloTimer = setTimeout(markReady, helloAckTimeoutMs);
    });
    socket.on("message", (raw) => {
      // A connection that answers is healthy: the failure clock and backoff start over.
      failingSince = null;
      attempt = 0;
      let parsed: ControlMessage;
      try {
        const result = ControlMessage.safeParse(JSON.parse(raw.toString()));
        if (!result.success) {
          log?.warn(`ignored a control message that does not match the schema`);
          return;
        }
        parsed = result.data;
      } catch {
        log?.warn("ignored a control message that is not JSON");
        return;
      }
      if (parsed.type === "ack") {
        handleAck(parsed.seq);
        markReady();
      } else {
        opts.onControl?.(parsed);
      }
    });
    socket.on("error", (err) => log?.warn(`control plane socket: ${err.message}`));
    socket.on("close", () => {
      if (ws === socket) onDisconnect();
    });
  }

  connect();

  return {
    emit(input) {
      lastSeq += 1;
      const candidate = { seq: lastSeq, type: input.type, at: new Date().toISOString(), data: input.data };
      // One malformed event would make the control plane reject its whole batch on every resend, so
      // it is replaced here by an error event that keeps its seq.
      const checked = Event.safeParse(candidate);
      const event: Event = checked.success
        ? checked.data
        : {
            seq: lastSeq,
            type: "error",
            at: candidate.at,
            data: {
              message: `dropped a malformed ${input.type} event: ${checked.error.issues[0]?.message ?? ""}`,
            },
          };
      // Spooled even once the stream has failed: a restarted bridge can still deliver it.
      spooled((s) => s.append(event));
      if (failed) return event;
      pending.push(event);
      scheduleFlush();
      return event;
    },
    drain(timeoutMs) {
      if (pending.length === 0) return Promise.resolve(true);
      if (failed) return Promise.resolve(false);
      flush();
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          drainWaiters.delete(done);
          resolve(false);
        }, timeoutMs);
        const done = (drained: boolean) => {
          clearTimeout(timer);
          resolve(drained);
        };
        drainWaiters.add(done);
      });
    },
    get lastAckedSeq() {
      return lastAcked;
    },
    get failed() {
      return failed;
    },
    close() {
      closed = true;
      flushTimer = clearTimer(flushTimer);
      helloTimer = clearTimer(helloTimer);
      reconnectTimer = clearTimer(reconnectTimer);
      settleWaiters(pending.length === 0);
      spooled((s) => s.close());
      spool = null;
      const socket = ws;
      ws = null;
      if (socket?.readyState === WebSocket.OPEN) socket.close(1000, "done");
      else socket?.terminate();
    },
  };
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** `http(s)://host/base` → `ws(s)://host/base/sessions/:id/sandbox`. */
export function sandboxSocketUrl(controlUrl: string, sessionId: string): string {
  const url = new URL(`${controlUrl.replace(/\/+$/, "")}/sessions/${encodeURIComponent(sessionId)}/sandbox`);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}
