/**
 * The bridge's on-disk spool of one run's events, so a bridge that dies, or a control plane that
 * forgets, costs no event: whatever the control plane has not acknowledged is still in the file.
 *
 * Format: JSON lines. A header naming the session and run, then every event as it was emitted and an
 * `{"ack":n}` line whenever the control plane acknowledged everything up to n. The latest ack line
 * wins, so a control plane that lost events can move it back (see `rewind`).
 *
 * Durability: an append is one write(2) on a kept descriptor, so the event is in the kernel before
 * `append` returns and survives the bridge being killed. Surviving a crash of the machine takes
 * fdatasync, which costs about a millisecond or more per call, far more than the write; so it is not
 * done per event but by `sync()`, which the stream calls before it sends a batch. Nothing leaves the
 * sandbox before it is on disk: after a crash the file never holds fewer events than the control
 * plane has seen, and a restarted bridge cannot give a new event a seq the control plane already
 * stored under another. Ack lines are never synced: losing one only means resending events that the
 * control plane ignores.
 *
 * Bounded: when acknowledged lines make up most of the file (and at least `compactAtBytes`), it is
 * rewritten with the unacknowledged events only, to a temporary file renamed over it. Reading streams
 * the file in chunks and keeps only events after the latest ack.
 */
import {
  closeSync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import type { Event } from "../../core/wire.js";
import { CHUNK_BYTES, eventSeqOf, forEachLine, type SpoolHeader, scanSpool, settle } from "./scan-spool.js";

/** The run a spool belongs to. A file of another session or run is moved aside, never resent. */
export type SpoolOwner = { sessionId: string; run: number; startSeq: number };

export type SpoolOptions = {
  /** Least size of acknowledged lines worth rewriting the file for. */
  compactAtBytes?: number;
};

export type SpoolRecovery = {
  /** Events emitted after the latest ack, in seq order: never acknowledged, to be resent. */
  events: Event[];
  /** The highest seq in the file (the header's startSeq when it holds none). */
  lastSeq: number;
  lastAcked: number;
  /** Where a file of another run (or an unreadable one) was moved to. */
  movedAside: string | null;
  /** Bytes cut from the end: a line torn by a crash mid-write, never returned by `append`. */
  cutBytes: number;
  /** Unacknowledged seqs found damaged or missing, resent as `error` events so none is a gap. */
  replaced: number;
};

export type Spool = {
  append(event: Event): void;
  /** Records that the control plane has every event up to `seq`; may compact the file. */
  ack(seq: number): void;
  /** The control plane acknowledged less than before: returns the events after `seq` again. */
  rewind(seq: number): Event[];
  /** fdatasync, when something was appended since the last one. */
  sync(): void;
  close(): void;
  /** Closes and deletes the file; never throws (used once the spool can no longer be trusted). */
  discard(): void;
  /** Current size of the file. */
  readonly bytes: number;
};

const DEFAULT_COMPACT_AT = 1024 * 1024;

function writeAll(fd: number, text: string): number {
  const buf = Buffer.from(text, "utf8");
  for (let done = 0; done < buf.length; ) done += writeSync(fd, buf, done, buf.length - done);
  return buf.length;
}

function syncDirectory(path: string): void {
  const fd = openSync(dirname(path), "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens (or creates) the spool at `path` for `owner`, recovering what an earlier bridge of the same
 * run left unacknowledged. Throws only when the file cannot be read or written at all.
 */
export function openSpool(
  path: string,
  owner: SpoolOwner,
  opts: SpoolOptions = {},
): { spool: Spool; recovered: SpoolRecovery } {
  const compactAt = opts.compactAtBytes ?? DEFAULT_COMPACT_AT;
  let fd = openSync(path, "a+");
  try {
    const found = scanSpool(fd);
    const size = fstatSync(fd).size;
    const { header } = found;
    const ours = header !== null && header.sessionId === owner.sessionId && header.run === owner.run;
    if (!ours) {
      let movedAside: string | null = null;
      if (header || found.unreadable) {
        closeSync(fd);
        movedAside = `${path}.aside-${Date.now()}`;
        renameSync(path, movedAside);
        fd = openSync(path, "a+");
      } else if (size > 0) ftruncateSync(fd, 0);
      const fresh: SpoolHeader = { spool: "understudy-events", version: 1, ...owner };
      writeAll(fd, `${JSON.stringify(fresh)}\n`);
      fsyncSync(fd);
      syncDirectory(path);
      return {
        spool: spoolOn(path, fd, fresh, owner.startSeq, [], compactAt),
        recovered: {
          events: [],
          lastSeq: owner.startSeq,
          lastAcked: owner.startSeq,
          movedAside,
          cutBytes: movedAside ? 0 : size,
          replaced: 0,
        },
      };
    }
    const cutBytes = size - found.goodEnd;
    // The next append must not be glued to a torn line.
    if (cutBytes > 0) ftruncateSync(fd, found.goodEnd);
    const { acked, maxSeq } = found;
    const events = found.rewound ? scanSpool(fd, acked).found : found.found;
    const lastSeq = Math.max(maxSeq, header.startSeq, acked);
    const settled = settle(events, acked, lastSeq);
    const live = settled.events.map((e) => ({ seq: e.seq, bytes: events.get(e.seq)?.bytes ?? 0 }));
    return {
      spool: spoolOn(path, fd, header, acked, live, compactAt),
      recovered: {
        events: settled.events,
        lastSeq,
        lastAcked: acked,
        movedAside: null,
        cutBytes,
        replaced: settled.replaced,
      },
    };
  } catch (err) {
    try {
      closeSync(fd);
    } catch {}
    throw err;
  }
}

function spoolOn(
  path: string,
  initialFd: number,
  header: SpoolHeader,
  initialAck: number,
  initialLive: Array<{ seq: number; bytes: number }>,
  compactAt: number,
): Spool {
  let fd: number | null = initialFd;
  const headerLine = `${JSON.stringify(header)}\n`;
  const headerBytes = Buffer.byteLength(headerLine);
  let acked = initialAck;
  let fileBytes = fstatSync(initialFd).size;
  /** Seq and line size of each unacknowledged event in the file, oldest first from `head`. */
  let live = initialLive;
  let head = 0;
  let liveBytes = live.reduce((sum, l) => sum + l.bytes, 0);
  // Events recovered from an earlier bridge may never have reached the disk (it was killed, not
  // synced): they are synced before they are resent, like new ones.
  let dirty = live.length > 0;

  const current = () => {
    if (fd === null) throw new Error("the event spool is closed");
    return fd;
  };
  const appendLine = (text: string) => {
    fileBytes += writeAll(current(), text);
  };

  /** Rewrites the file as the header, the ack and the unacknowledged event lines, byte for byte. */
  const compact = () => {
    const old = current();
    const tmp = `${path}.compacting`;
    const out = openSync(tmp, "w");
    let written = 0;
    try {
      written += writeAll(out, headerLine) + writeAll(out, `${JSON.stringify({ ack: acked })}\n`);
      let batch = "";
      forEachLine(old, (text) => {
        if (eventSeqOf(text) <= acked) return;
        batch += `${text}\n`;
        if (batch.length >= CHUNK_BYTES) {
          written += writeAll(out, batch);
          batch = "";
        }
      });
      written += writeAll(out, batch);
      fsyncSync(out);
    } catch (err) {
      closeSync(out);
      unlinkSync(tmp);
      throw err;
    }
    closeSync(out);
    renameSync(tmp, path);
    syncDirectory(path);
    fd = null;
    closeSync(old);
    fd = openSync(path, "a+");
    fileBytes = written;
    dirty = false;
  };

  return {
    append(event) {
      const line = `${JSON.stringify(event)}\n`;
      const before = fileBytes;
      appendLine(line);
      live.push({ seq: event.seq, bytes: fileBytes - before });
      liveBytes += fileBytes - before;
      dirty = true;
    },
    ack(seq) {
      if (seq <= acked) return;
      acked = seq;
      appendLine(`${JSON.stringify({ ack: seq })}\n`);
      while (head < live.length && live[head]!.seq <= seq) liveBytes -= live[head++]!.bytes;
      if (head > 1024 && head * 2 > live.length) {
        live = live.slice(head);
        head = 0;
      }
      const dead = fileBytes - headerBytes - liveBytes;
      if (dead >= compactAt && dead >= liveBytes) compact();
    },
    rewind(seq) {
      if (seq >= acked) return [];
      const found = scanSpool(current(), seq).found;
      for (const s of found.keys()) if (s > acked) found.delete(s);
      const { events } = settle(found, seq, acked);
      const back = events.map((e) => ({ seq: e.seq, bytes: found.get(e.seq)?.bytes ?? 0 }));
      live = [...back, ...live.slice(head)];
      head = 0;
      liveBytes += back.reduce((sum, l) => sum + l.bytes, 0);
      acked = seq;
      appendLine(`${JSON.stringify({ ack: seq })}\n`);
      return events;
    },
    sync() {
      if (!dirty) return;
      fdatasyncSync(current());
      dirty = false;
    },
    close() {
      if (fd === null) return;
      const closing = fd;
      fd = null;
      try {
        if (dirty) fdatasyncSync(closing);
      } finally {
        closeSync(closing);
      }
    },
    discard() {
      const closing = fd;
      fd = null;
      try {
        if (closing !== null) closeSync(closing);
      } catch {}
      try {
        unlinkSync(path);
      } catch {}
    },
    get bytes() {
      return fileBytes;
    },
  };
}
