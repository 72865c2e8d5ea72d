/**
 * SQLite access for one session. Every state change is a row here; nothing that matters lives only
 * in memory, so an evicted or restarted Durable Object resumes from storage.
 */
import { Event, type EventInput } from "../../src/core/wire.js";
import { SessionRecord } from "./session-record.js";

const SCHEMA_VERSION = 1;

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
    this.sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)`, String(SCHEMA_VERSION));
  }

  getSession(): SessionRecord | null {
    const row = this.sql.exec<{ data: string }>(`SELECT data FROM session WHERE id = 1`).toArray()[0];
    return row ? SessionRecord.parse(JSON.parse(row.data)) : null;
  }

  putSession(s: SessionRecord): void {
    this.sql.exec(`INSERT OR REPLACE INTO session (id, data) VALUES (1, ?)`, JSON.stringify(s));
  }

  /** Records a webhook delivery; false when it was already seen (GitHub redelivers). */
  claimDelivery(id: string, now: number): boolean {
    const seen = this.sql.exec(`SELECT 1 FROM deliveries WHERE id = ?`, id).toArray().length > 0;
    if (!seen) this.sql.exec(`INSERT INTO deliveries (id, at) VALUES (?, ?)`, id, now);
    return !seen;
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
