/**
 * SQLite access for one session. Every state change is a row here; nothing that matters lives only
 * in memory, so an evicted or restarted Durable Object resumes from storage.
 */
import { Event, type EventInput } from "../../src/core/wire.js";
import { SessionRecord } from "./session-record.js";

const SCHEMA_VERSION = 2;

export class SessionStore {
  constructor(private readonly sql: SqlStorage) {}

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
    this.sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)`, String(SCHEMA_VERSION));
  }

  getSession(): SessionRecord | null {
    const row = this.sql.exec<{ data: string }>(`SELECT data FROM session WHERE id = 1`).toArray()[0];
    return row ? SessionRecord.parse(JSON.parse(row.data)) : null;
  }

  putSession(s: SessionRecord): void {
    this.sql.exec(`INSERT OR REPLACE INTO session (id, data) VALUES (1, ?)`, JSON.stringify(s));
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

  /** Stores a sandbox event; a resent event (same run and seq) is ignored. Returns whether it was new. */
  insertEvent(run: number, e: Event): boolean {
    const cursor = this.sql.exec(
      `INSERT OR IGNORE INTO events (run, seq, type, at, data) VALUES (?, ?, ?, ?, ?)`,
      run,
      e.seq,
      e.type,
      e.at,
      JSON.stringify(e.data),
    );
    return cursor.rowsWritten > 0;
  }

  /** Stores an event the control plane itself produced (seq 0). */
  appendControlEvent(run: number, e: EventInput, at: string): Event {
    const event = { seq: 0, at, ...e } as Event;
    this.insertEvent(run, event);
    return event;
  }

  lastSeq(run: number): number {
    const row = this.sql
      .exec<{ s: number | null }>(`SELECT MAX(seq) AS s FROM events WHERE run = ?`, run)
      .one();
    return row.s ?? 0;
  }

  /** Highest seq over every run: the next run's events start after it, so seq stays unique per session. */
  maxSeq(): number {
    return this.sql.exec<{ s: number | null }>(`SELECT MAX(seq) AS s FROM events`).one().s ?? 0;
  }

  events(run?: number): Event[] {
    const rows =
      run === undefined
        ? this.sql.exec<EventRow>(`SELECT seq, type, at, data FROM events ORDER BY id`).toArray()
        : this.sql
            .exec<EventRow>(`SELECT seq, type, at, data FROM events WHERE run = ? ORDER BY id`, run)
            .toArray();
    return rows.flatMap((r) => {
      const parsed = Event.safeParse({ seq: r.seq, type: r.type, at: r.at, data: JSON.parse(r.data) });
      return parsed.success ? [parsed.data] : [];
    });
  }

  setTimer(name: string, due: number): void {
    this.sql.exec(`INSERT OR REPLACE INTO timers (name, due) VALUES (?, ?)`, name, due);
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

type EventRow = { seq: number; type: string; at: string; data: string };

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
