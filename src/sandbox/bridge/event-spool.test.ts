import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { Event } from "../../core/wire.js";
import { openSpool, type SpoolOwner } from "./event-spool.js";

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "spool-"));
  path = join(dir, "events.spool");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const owner: SpoolOwner = { sessionId: "sess_a", run: 2, startSeq: 10 };
const ev = (seq: number, text = `event ${seq}`): Event => ({
  seq,
  type: "assistant_text",
  at: "2026-01-01T00:00:00.000Z",
  data: { text },
});
const seqs = (events: Event[]) => events.map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

it("recovers the events after the last ack, and the last seq used", () => {
  const first = openSpool(path, owner);
  expect(first.recovered).toMatchObject({ events: [], lastSeq: 10, lastAcked: 10, movedAside: null });
  for (let seq = 11; seq <= 15; seq++) first.spool.append(ev(seq));
  first.spool.ack(13);
  first.spool.close();

  const again = openSpool(path, owner);
  expect(again.recovered.events).toEqual([ev(14), ev(15)]);
  expect(again.recovered).toMatchObject({ lastSeq: 15, lastAcked: 13, cutBytes: 0, replaced: 0 });
  again.spool.close();
});

it("cuts a line torn by a crash mid-write, so the next append starts on a line of its own", () => {
  const { spool } = openSpool(path, owner);
  for (let seq = 11; seq <= 13; seq++) spool.append(ev(seq));
  spool.close();
  const torn = JSON.stringify(ev(14)).slice(0, 25);
  appendFileSync(path, torn);

  const reopened = openSpool(path, owner);
  expect(seqs(reopened.recovered.events)).toEqual([11, 12, 13]);
  expect(reopened.recovered.lastSeq).toBe(13);
  expect(reopened.recovered.cutBytes).toBe(torn.length);
  reopened.spool.append(ev(14, "written again"));
  reopened.spool.close();

  const last = openSpool(path, owner);
  expect(last.recovered.events).toEqual([ev(11), ev(12), ev(13), ev(14, "written again")]);
  expect(last.recovered.cutBytes).toBe(0);
  last.spool.close();
});

it("cuts zero bytes a crash left at the end (delayed allocation), and a torn header starts afresh", () => {
  const { spool } = openSpool(path, owner);
  spool.append(ev(11));
  spool.close();
  appendFileSync(path, Buffer.alloc(512));
  const reopened = openSpool(path, owner);
  expect(reopened.recovered.events).toEqual([ev(11)]);
  expect(reopened.recovered.cutBytes).toBe(512);
  reopened.spool.close();

  writeFileSync(path, '{"spool":"understudy-ev');
  const fresh = openSpool(path, owner);
  expect(fresh.recovered).toMatchObject({ events: [], lastSeq: 10, movedAside: null });
  fresh.spool.close();
  expect(readFileSync(path, "utf8").split("\n")[0]).toContain('"sessionId":"sess_a"');
});

it("resends a damaged or missing unacknowledged event as an error of its seq, leaving no gap", () => {
  const { spool } = openSpool(path, owner);
  for (let seq = 11; seq <= 14; seq++) spool.append(ev(seq));
  spool.close();
  const lines = readFileSync(path, "utf8").split("\n");
  // Line 0 is the header: event 12 gets a bad payload, event 13 disappears.
  lines[2] = lines[2]!.replace('"text":"event 12"', '"text":12');
  lines.splice(3, 1);
  writeFileSync(path, lines.join("\n"));

  const reopened = openSpool(path, owner);
  const { events, replaced } = reopened.recovered;
  expect(seqs(events)).toEqual([11, 12, 13, 14]);
  expect(replaced).toBe(2);
  expect(events[1]).toMatchObject({
    seq: 12,
    type: "error",
    data: { message: expect.stringMatching(/damaged/) },
  });
  expect(events[2]).toMatchObject({
    seq: 13,
    type: "error",
    data: { message: expect.stringMatching(/missing/) },
  });
  reopened.spool.close();
});

it("reads lines longer than its read chunk, with multi-byte characters across the chunk edges", () => {
  const { spool } = openSpool(path, owner);
  const long = ev(11, `${"é".repeat(70_001)}🙂${"x".repeat(3)}`);
  spool.append(long);
  spool.append(ev(12));
  spool.close();
  const reopened = openSpool(path, owner);
  expect(reopened.recovered.events).toEqual([long, ev(12)]);
  reopened.spool.close();
});

it("compacts when acknowledged lines dominate, keeping every unacknowledged event", () => {
  const { spool } = openSpool(path, owner, { compactAtBytes: 4_000 });
  for (let seq = 11; seq <= 210; seq++) spool.append(ev(seq));
  const full = spool.bytes;
  spool.ack(160);
  // 150 acknowledged lines outweigh 50 unacknowledged ones: the file was rewritten without them.
  expect(spool.bytes).toBeLessThan(full / 2);
  expect(statSync(path).size).toBe(spool.bytes);
  expect(readdirSync(dir)).toEqual(["events.spool"]);
  // The rewritten file takes appends and acks like the first one.
  spool.append(ev(211));
  spool.ack(170);
  spool.close();

  const reopened = openSpool(path, owner);
  expect(seqs(reopened.recovered.events)).toEqual(range(171, 211));
  expect(reopened.recovered).toMatchObject({ lastSeq: 211, lastAcked: 170 });
  reopened.spool.close();
});

it("stays bounded over a long run that is acknowledged as it goes", () => {
  const { spool } = openSpool(path, owner, { compactAtBytes: 8_000 });
  let largest = 0;
  for (let seq = 11; seq <= 5_010; seq++) {
    spool.append(ev(seq));
    // Acks lag 100 events behind, as batches in flight do.
    if (seq % 50 === 0) spool.ack(seq - 100);
    largest = Math.max(largest, spool.bytes);
  }
  spool.close();
  // Live lines (~100 events) plus at most compactAtBytes of dead ones, or as many as live ones.
  expect(largest).toBeLessThan(30_000);
  const reopened = openSpool(path, owner);
  expect(seqs(reopened.recovered.events)).toEqual(range(4_901, 5_010));
  reopened.spool.close();
});

it("gives back acknowledged events that are still in the file when the ack moves back", () => {
  const { spool } = openSpool(path, owner);
  for (let seq = 11; seq <= 20; seq++) spool.append(ev(seq));
  spool.ack(18);
  expect(spool.rewind(14)).toEqual(range(15, 18).map((s) => ev(s)));
  expect(spool.rewind(16)).toEqual([]);
  spool.close();

  // The latest ack line wins, though a higher one comes before it.
  const reopened = openSpool(path, owner);
  expect(seqs(reopened.recovered.events)).toEqual(range(15, 20));
  expect(reopened.recovered.lastAcked).toBe(14);
  reopened.spool.close();
});

it("moves a spool of another run aside instead of reusing it", () => {
  const { spool } = openSpool(path, owner);
  spool.append(ev(11));
  spool.close();

  const next: SpoolOwner = { ...owner, run: 3, startSeq: 11 };
  const other = openSpool(path, next);
  expect(other.recovered).toMatchObject({ events: [], lastSeq: 11, lastAcked: 11 });
  const aside = other.recovered.movedAside;
  expect(aside).toMatch(/events\.spool\.aside-\d+$/);
  other.spool.close();
  expect(existsSync(aside!)).toBe(true);
  const kept = openSpool(aside!, owner);
  expect(kept.recovered.events).toEqual([ev(11)]);
  kept.spool.close();

  // A file that is no spool at all is not ours to truncate either.
  writeFileSync(path, "not a spool\n");
  const third = openSpool(path, next);
  expect(third.recovered.movedAside).not.toBeNull();
  third.spool.close();
});

it("discard deletes the file", () => {
  const { spool } = openSpool(path, owner);
  spool.append(ev(11));
  spool.discard();
  expect(existsSync(path)).toBe(false);
});
