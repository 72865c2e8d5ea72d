/**
 * Reading the event spool's file (see event-spool.ts): its line format, a line reader that holds one
 * chunk and one line whatever the file's size, and the pass that finds what a file holds.
 */
import { readSync } from "node:fs";
import * as z from "zod";
import { Event } from "../../core/wire.js";

export const SpoolHeader = z.object({
  spool: z.literal("understudy-events"),
  version: z.literal(1),
  sessionId: z.string(),
  run: z.number().int(),
  startSeq: z.number().int().nonnegative(),
});
const AckLine = z.object({ ack: z.number().int().nonnegative() });

export const CHUNK_BYTES = 64 * 1024;
// Event lines are written by JSON.stringify of a parsed Event, which puts seq first.
const LEADING_SEQ = /^\{"seq":(\d+),/;

/** The seq of an event line, 0 for any other line; cheap for the lines the spool writes itself. */
export function eventSeqOf(text: string): number {
  const leading = LEADING_SEQ.exec(text)?.[1];
  if (leading !== undefined) return Number(leading);
  const line = parseLine(text);
  return line?.kind === "event" ? line.seq : 0;
}

type Line = { kind: "ack"; seq: number } | { kind: "event"; seq: number; json: unknown } | { kind: "other" };

export function parseLine(text: string): Line | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof json !== "object" || json === null) return null;
  if ("ack" in json) {
    const ack = AckLine.safeParse(json);
    return ack.success ? { kind: "ack", seq: ack.data.ack } : null;
  }
  if ("spool" in json) return SpoolHeader.safeParse(json).success ? { kind: "other" } : null;
  const seq = (json as { seq?: unknown }).seq;
  return typeof seq === "number" && Number.isSafeInteger(seq) && seq > 0
    ? { kind: "event", seq, json }
    : null;
}

/**
 * Calls `onLine` with every complete line and the offset just past it. Memory holds one chunk and
 * one line, whatever the size of the file; a last line without its newline is not passed. (Not
 * `readline`: the stream opens its spool synchronously, before its first emit.)
 */
export function forEachLine(fd: number, onLine: (text: string, end: number) => void): void {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let carry: Buffer[] = [];
  let position = 0;
  for (;;) {
    const n = readSync(fd, chunk, 0, CHUNK_BYTES, position);
    if (n === 0) return;
    const data = chunk.subarray(0, n);
    let start = 0;
    for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, start)) {
      const piece = data.subarray(start, nl);
      const text =
        carry.length > 0 ? Buffer.concat([...carry, piece]).toString("utf8") : piece.toString("utf8");
      carry = [];
      onLine(text, position + nl + 1);
      start = nl + 1;
    }
    // The chunk buffer is reused, so the unfinished line is copied out of it.
    if (start < n) carry.push(Buffer.from(data.subarray(start)));
    position += n;
  }
}

/**
 * The unacknowledged events in (after, upTo], validated and without gaps: a line that no longer
 * parses as an event, or a seq missing from the file, becomes an `error` event of that seq. A gap
 * would stop the control plane's acknowledgements there for good.
 */
export function settle(
  found: Map<number, { json: unknown }>,
  after: number,
  upTo: number,
): { events: Event[]; replaced: number } {
  const events: Event[] = [];
  let replaced = 0;
  for (let seq = after + 1; seq <= upTo; seq++) {
    const parsed = Event.safeParse(found.get(seq)?.json);
    if (parsed.success) {
      events.push(parsed.data);
      continue;
    }
    replaced += 1;
    const message = found.has(seq)
      ? `event ${seq} was damaged in the bridge's spool`
      : `event ${seq} is missing from the bridge's spool`;
    events.push({ seq, type: "error", at: new Date().toISOString(), data: { message } });
  }
  return { events, replaced };
}

export type SpoolHeader = z.infer<typeof SpoolHeader>;

/** What one pass over an existing file found. */
export type Scan = {
  /** null: no complete first line (a new file, or a crash while its header was written). */
  header: SpoolHeader | null;
  /** A first line that is no spool header: the file is not ours to reuse or to truncate. */
  unreadable: boolean;
  acked: number;
  maxSeq: number;
  /** Offset just past the last readable line; anything after it is a torn write. */
  goodEnd: number;
  /** Events after `acked` (or, when `rewound`, only after the highest ack seen), with their sizes. */
  found: Map<number, { json: unknown; bytes: number }>;
  /** An ack line lower than one before it: `found` misses events and takes a second pass. */
  rewound: boolean;
};

/**
 * One pass: the header, the latest ack, the highest seq, the end of the last readable line, and the
 * events after the running ack, forgotten at each ack, so memory holds about the unacknowledged ones.
 * With `after` set, collects the events after it instead, keeping everything else.
 */
export function scanSpool(fd: number, after?: number): Scan {
  const result: Scan = {
    header: null,
    unreadable: false,
    acked: 0,
    maxSeq: 0,
    goodEnd: 0,
    found: new Map(),
    rewound: false,
  };
  let lineStart = 0;
  forEachLine(fd, (text, end) => {
    const bytes = end - lineStart;
    const first = lineStart === 0;
    lineStart = end;
    if (first) {
      const header = (() => {
        try {
          return SpoolHeader.safeParse(JSON.parse(text));
        } catch {
          return null;
        }
      })();
      result.goodEnd = end;
      if (header?.success) {
        result.header = header.data;
        result.acked = header.data.startSeq;
      } else result.unreadable = true;
      return;
    }
    if (result.unreadable) return;
    const line = parseLine(text);
    if (!line) return;
    result.goodEnd = end;
    if (line.kind === "ack") {
      if (line.seq < result.acked) result.rewound = true;
      result.acked = line.seq;
      if (after !== undefined) return;
      // Events are appended in seq order, so the acknowledged ones are the oldest.
      for (const seq of result.found.keys()) {
        if (seq > line.seq) break;
        result.found.delete(seq);
      }
    } else if (line.kind === "event") {
      result.maxSeq = Math.max(result.maxSeq, line.seq);
      const floor = after ?? result.acked;
      if (line.seq > floor && !result.found.has(line.seq))
        result.found.set(line.seq, { json: line.json, bytes });
    }
  });
  return result;
}
