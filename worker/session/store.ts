/**
 * SQLite access for one session. Every state change is a row here; nothing that matters lives only
 * in memory, so an evicted or restarted Durable Object resumes from storage.
 */
import type { SessionEvent, SessionMessage } from "../../src/core/session-event.js";
import { StartSessionRequest } from "../../src/core/start-session-request.js";
import { Event, type EventInput, type EventType } from "../../src/core/wire.js";
import { SessionRecord } from "./session-record.js";

const SCHEMA_VERSION = 4;

export type StoreHooks = {
  /** Called with every event once it is stored (not for a resent duplicate): live subscribers. */
  onEvents?(events: readonly SessionEvent[]): void;
  /** Called when what subscribers see of the session changed without an event (the queue, a stop). */
  onSessionChanged?(): void;
};

export class SessionStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly hooks: StoreHooks = {},
  ) {}

  /** Idempotent and versioned: safe to run on every start-up inside blockConcurrencyWhile. */
  migrate(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    const row = this.sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'schema'`).toArray()[0];
    const version = row ? Number(row.value) : 0;
    if (version < 1) {
      this.sql.exec(`
        CREATE TABLE IF NOT EXISTS session (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS events (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          run INTEGER NOT NULL,
          seq INTEGER NOT NULL,
          type TEXT NOT NULL,
          at TEXT NOT NULL,
          data TEXT NOT NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS events_run_seq ON events (run, seq) WHERE seq > 0;
        CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS timers (name TEXT PRIMARY KEY, due INTEGER NOT NULL);
      `);
    }
    if (version < 2) {
      // Deliveries accepted by the Worker, kept until processed: the Worker answers GitHub as soon as
      // a row is here, so nothing depends on the webhook's request staying alive. One row per
      // trigger (a comment id), whatever the number of deliveries that carried it.
      this.sql.exec(`
        CREATE TABLE IF NOT EXISTS inbox (
          delivery_id TEXT PRIMARY KEY,
          trigger_key TEXT NOT NULL UNIQUE,
          name TEXT NOT NULL,
          payload TEXT NOT NULL,
          public_url TEXT NOT NULL,
          received_at INTEGER NOT NULL,
          state TEXT NOT NULL DEFAULT 'pending',
          attempts INTEGER NOT NULL DEFAULT 0,
          next_at INTEGER NOT NULL,
          last_error TEXT
        );
      `);
    }
    if (version < 3) {
      // Requests (the "messages" of a session): every accepted ask, queued while a run is going and
      // carried out in order. The v1 deliveries table was replaced by the inbox and is dropped.
      this.sql.exec(`
        CREATE TABLE IF NOT EXISTS requests (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          delivery_id TEXT NOT NULL UNIQUE,
          data TEXT NOT NULL,
          state TEXT NOT NULL,
          run INTEGER,
          created_at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS requests_state ON requests (state, id);
        -- Every ack asks for the highest seq; without this it scans the whole log.
        CREATE INDEX IF NOT EXISTS events_seq ON events (seq) WHERE seq > 0;
        -- A run's events, in order: every comment render and status reads them.
        CREATE INDEX IF NOT EXISTS events_run_id ON events (run, id);
        DROP TABLE IF EXISTS deliveries;
      `);
    }
    if (version < 4) {
      // Answers given once, by key (kind and thread): the refusal to someone who may not ask.
      this.sql.exec(`CREATE TABLE IF NOT EXISTS notices (key TEXT PRIMARY KEY, at INTEGER NOT NULL)`);
    }
    this.sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)`, String(SCHEMA_VERSION));
  }

  getSession(): SessionRecord | null {
    const row = this.sql.exec<{ data: string }>(`SELECT data FROM session WHERE id = 1`).toArray()[0];
    return row ? SessionRecord.parse(JSON.parse(row.data)) : null;
  }

  putSession(s: SessionRecord): void {
    this.sql.exec(`INSERT OR REPLACE INTO session (id, data) VALUES (1, ?)`, JSON.stringify(s));
  }

  /** Tells live subscribers that the session's view changed (see StoreHooks.onSessionChanged). */
  sessionChanged(): void {
    this.hooks.onSessionChanged?.();
  }

  /**
   * Keeps a delivery until it is processed. False when its delivery id or its trigger is already
   * here: a redelivery, or a replay of the same comment under a new delivery id.
   */
  enqueue(d: InboxInput, now: number): boolean {
    const cursor = this.sql.exec(
      `INSERT OR IGNORE INTO inbox (delivery_id, trigger_key, name, payload, public_url, received_at, next_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      d.deliveryId,
      d.triggerKey,
      d.name,
      JSON.stringify(d.payload),
      d.publicUrl,
      now,
      now,
    );
    return cursor.rowsWritten > 0;
  }

  /** Pending deliveries whose next attempt is due, oldest first. */
  dueInbox(now: number): InboxRow[] {
    return this.sql
      .exec<InboxRecord>(
        `SELECT delivery_id, name, payload, public_url, attempts FROM inbox
         WHERE state = 'pending' AND next_at <= ? ORDER BY received_at, delivery_id`,
        now,
      )
      .toArray()
      .map((r) => ({
        deliveryId: r.delivery_id,
        name: r.name,
        payload: JSON.parse(r.payload) as unknown,
        publicUrl: r.public_url,
        attempts: r.attempts,
      }));
  }

  /** When the next pending delivery is due, or null when none is pending. */
  nextInboxAt(): number | null {
    return (
      this.sql.exec<{ n: number | null }>(`SELECT MIN(next_at) AS n FROM inbox WHERE state = 'pending'`).one()
        .n ?? null
    );
  }

  publicUrlOf(deliveryId: string): string | null {
    const row = this.sql
      .exec<{ public_url: string }>(`SELECT public_url FROM inbox WHERE delivery_id = ?`, deliveryId)
      .toArray()[0];
    return row?.public_url ?? null;
  }

  /** Records the outcome of one attempt: done, failed for good, or pending again at `nextAt`. */
  settleInbox(
    deliveryId: string,
    outcome: { state: "done" | "failed" } | { state: "pending"; nextAt: number },
    error: string | null,
  ): void {
    this.sql.exec(
      `UPDATE inbox SET state = ?, attempts = attempts + 1, next_at = ?, last_error = ?,
         payload = CASE WHEN ? = 'pending' THEN payload ELSE '{}' END
       WHERE delivery_id = ?`,
      outcome.state,
      outcome.state === "pending" ? outcome.nextAt : 0,
      error,
      outcome.state,
      deliveryId,
    );
  }

  /**
   * Stores sandbox events of one run; a resent event (same run and seq) is ignored. Returns the events
   * that were new, with their ids.
   */
  insertEvents(run: number, events: readonly Event[]): SessionEvent[] {
    const fresh: SessionEvent[] = [];
    for (const e of events) {
      const row = this.sql
        .exec<{ id: number }>(
          `INSERT INTO events (run, seq, type, at, data) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT DO NOTHING RETURNING id`,
          run,
          e.seq,
          e.type,
          e.at,
          JSON.stringify(e.data),
        )
        .toArray()[0];
      if (row) fresh.push({ id: row.id, run, event: e });
    }
    if (fresh.length > 0) this.hooks.onEvents?.(fresh);
    return fresh;
  }

  /** Stores an event the control plane itself produced (seq 0). */
  appendControlEvent(run: number, e: EventInput, at: string): Event {
    const event = { seq: 0, at, ...e } as Event;
    this.insertEvents(run, [event]);
    return event;
  }

  lastSeq(run: number): number {
    const row = this.sql
      .exec<{ s: number | null }>(`SELECT MAX(seq) AS s FROM events WHERE run = ? AND seq > 0`, run)
      .one();
    return row.s ?? 0;
  }

  /** Highest seq over every run: the next run's events start after it, so seq stays unique per session. */
  maxSeq(): number {
    return this.sql.exec<{ s: number | null }>(`SELECT MAX(seq) AS s FROM events WHERE seq > 0`).one().s ?? 0;
  }

  /** The events of one run, in the order they were stored. */
  events(run: number): Event[] {
    return this.sql
      .exec<EventRow>(`SELECT id, run, seq, type, at, data FROM events WHERE run = ? ORDER BY id`, run)
      .toArray()
      .flatMap((r) => parseEventRow(r))
      .map((e) => e.event);
  }

  /** Every event of the session with its id and run, oldest first. */
  allEvents(): SessionEvent[] {
    return this.sql
      .exec<EventRow>(`SELECT id, run, seq, type, at, data FROM events ORDER BY id`)
      .toArray()
      .flatMap((r) => parseEventRow(r));
  }

  /**
   * A page of the log, oldest first: the newest `limit` events with an id below `before` (or the
   * newest overall). `hasMore` says whether older ones remain.
   */
  eventsBefore(before: number | null, limit: number): { events: SessionEvent[]; hasMore: boolean } {
    const rows = this.sql
      .exec<EventRow>(
        `SELECT id, run, seq, type, at, data FROM events WHERE id < ? ORDER BY id DESC LIMIT ?`,
        before ?? Number.MAX_SAFE_INTEGER,
        limit + 1,
      )
      .toArray();
    const hasMore = rows.length > limit;
    return {
      events: rows
        .slice(0, limit)
        .reverse()
        .flatMap((r) => parseEventRow(r)),
      hasMore,
    };
  }

  /** Every event of the given types, oldest first: the few a run's heading and totals need. */
  eventsOfTypes(types: readonly EventType[]): SessionEvent[] {
    if (types.length === 0) return [];
    return this.sql
      .exec<EventRow>(
        `SELECT id, run, seq, type, at, data FROM events WHERE type IN (${types.map(() => "?").join(", ")}) ORDER BY id`,
        ...types,
      )
      .toArray()
      .flatMap((r) => parseEventRow(r));
  }

  /** Paths the agent wrote or edited, first seen first, at most `limit` distinct ones. */
  changedPaths(limit: number): { paths: string[]; total: number } {
    const where = `type = 'tool_call' AND json_extract(data, '$.kind') IN ('edit', 'write')
      AND json_extract(data, '$.path') IS NOT NULL`;
    const paths = this.sql
      .exec<{ p: string }>(
        `SELECT json_extract(data, '$.path') AS p FROM events WHERE ${where} GROUP BY p ORDER BY MIN(id) LIMIT ?`,
        limit,
      )
      .toArray()
      .map((r) => String(r.p));
    const total = this.sql
      .exec<{ n: number }>(
        `SELECT COUNT(DISTINCT json_extract(data, '$.path')) AS n FROM events WHERE ${where}`,
      )
      .one().n;
    return { paths, total };
  }

  /** How many events are stored, or how many have an id below `before`. */
  countEvents(before: number | null = null): number {
    return this.sql
      .exec<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE id < ?`, before ?? Number.MAX_SAFE_INTEGER)
      .one().n;
  }

  /** Events stored after `after`, oldest first, at most `limit`. */
  eventsAfter(after: number, limit: number): SessionEvent[] {
    return this.sql
      .exec<EventRow>(
        `SELECT id, run, seq, type, at, data FROM events WHERE id > ? ORDER BY id LIMIT ?`,
        after,
        limit,
      )
      .toArray()
      .flatMap((r) => parseEventRow(r));
  }

  /** Keeps a request. Null when its delivery is already here (a redelivery). */
  addRequest(req: StartSessionRequest, state: "queued" | "running", now: number): number | null {
    const row = this.sql
      .exec<{ id: number }>(
        `INSERT INTO requests (delivery_id, data, state, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING RETURNING id`,
        req.deliveryId,
        JSON.stringify(req),
        state,
        now,
      )
      .toArray()[0];
    return row?.id ?? null;
  }

  hasRequest(deliveryId: string): boolean {
    return this.sql.exec(`SELECT 1 FROM requests WHERE delivery_id = ?`, deliveryId).toArray().length > 0;
  }

  /**
   * True the first time `key` is noted in this session, false ever after. The session spans an issue
   * and the pull request it opened: a key that is once per thread names the thread (`fork:41`).
   */
  noticeOnce(key: string, now: number): boolean {
    return this.sql.exec(`INSERT OR IGNORE INTO notices (key, at) VALUES (?, ?)`, key, now).rowsWritten > 0;
  }

  /** Requests waiting for a run, oldest first. */
  queuedRequests(): StoredRequest[] {
    return this.requestRows(`WHERE state = 'queued' ORDER BY id`);
  }

  /** The newest `limit` requests, oldest first. */
  recentRequests(limit: number): StoredRequest[] {
    return this.requestRows(`ORDER BY id DESC LIMIT ${Math.max(0, Math.floor(limit))}`).reverse();
  }

  request(id: number): StoredRequest | null {
    return this.requestRows(`WHERE id = ${Math.floor(id)}`)[0] ?? null;
  }

  setRequestState(id: number, state: SessionMessage["state"], run?: number): void {
    this.sql.exec(
      `UPDATE requests SET state = ?, run = COALESCE(?, run) WHERE id = ?`,
      state,
      run ?? null,
      id,
    );
  }

  /** Cancels every queued request; returns how many there were. */
  cancelQueued(): number {
    // Counted by RETURNING: rowsWritten also counts the index rows an update touches.
    return this.sql
      .exec(`UPDATE requests SET state = 'cancelled' WHERE state = 'queued' RETURNING id`)
      .toArray().length;
  }

  private requestRows(clause: string): StoredRequest[] {
    return this.sql
      .exec<RequestRow>(`SELECT id, data, state, run, created_at FROM requests ${clause}`)
      .toArray()
      .map((r) => ({
        id: r.id,
        request: StartSessionRequest.parse(JSON.parse(r.data)),
        state: r.state as SessionMessage["state"],
        run: r.run,
        createdAt: r.created_at,
      }));
  }

  setTimer(name: string, due: number): void {
    this.sql.exec(`INSERT OR REPLACE INTO timers (name, due) VALUES (?, ?)`, name, due);
  }

  clearTimerIfDue(name: string, due: number): void {
    this.sql.exec(`DELETE FROM timers WHERE name = ? AND due = ?`, name, due);
  }

  clearTimer(name: string): void {
    this.sql.exec(`DELETE FROM timers WHERE name = ?`, name);
  }

  timers(): { name: string; due: number }[] {
    return this.sql
      .exec<{ name: string; due: number }>(`SELECT name, due FROM timers ORDER BY due`)
      .toArray();
  }
}

type EventRow = { id: number; run: number; seq: number; type: string; at: string; data: string };
type RequestRow = { id: number; data: string; state: string; run: number | null; created_at: number };

export type StoredRequest = {
  id: number;
  request: StartSessionRequest;
  state: SessionMessage["state"];
  run: number | null;
  createdAt: number;
};

function parseEventRow(r: EventRow): SessionEvent[] {
  const parsed = Event.safeParse({ seq: r.seq, type: r.type, at: r.at, data: JSON.parse(r.data) });
  return parsed.success ? [{ id: r.id, run: r.run, event: parsed.data }] : [];
}

/** A stored request as subscribers and the status comment see it. */
export function toMessage(r: StoredRequest): SessionMessage {
  return {
    id: r.id,
    author: r.request.requester.login,
    text: r.request.task,
    sourceUrl: r.request.trigger.htmlUrl || null,
    state: r.state,
    run: r.run,
    at: new Date(r.createdAt).toISOString(),
  };
}

export type InboxInput = {
  deliveryId: string;
  triggerKey: string;
  name: string;
  payload: unknown;
  publicUrl: string;
};
export type InboxRow = {
  deliveryId: string;
  name: string;
  payload: unknown;
  publicUrl: string;
  attempts: number;
};
type InboxRecord = {
  delivery_id: string;
  name: string;
  payload: string;
  public_url: string;
  attempts: number;
};
