/**
 * The bridge's socket (worker/session/sockets.ts) in workerd: whatever the order and however often
 * a batch arrives, each event is stored once and the ack says how far the log is stored.
 */
import { describe, expect, it } from "vitest";
import type { Event } from "../../src/core/wire.js";
import { Client, events, type Seeded, seedSession, storedEvents } from "./support.js";

async function bridge(s: Seeded): Promise<Client> {
  const c = await Client.open(`/sessions/${s.id}/sandbox`, { authorization: `Bearer ${s.sandboxToken}` });
  c.send({ type: "hello", lastAckedSeq: 0 });
  expect(await c.next()).toEqual({ type: "ack", seq: 0 });
  return c;
}

/** Sends one batch and returns the ack it got. */
async function sendBatch(c: Client, batch: Event[]): Promise<number> {
  c.send({ type: "events", events: batch });
  const ack = await c.next<{ type: string; seq: number }>();
  expect(ack.type).toBe("ack");
  return ack.seq;
}

async function storedSeqs(s: Seeded): Promise<number[]> {
  return (await storedEvents(s)).filter((e) => e.event.seq > 0).map((e) => e.event.seq);
}

describe("sandbox socket ingestion", () => {
  it("stores a duplicate batch once and acks it the same", async () => {
    const s = await seedSession();
    const c = await bridge(s);
    expect(await sendBatch(c, events(1, 5))).toBe(5);
    expect(await sendBatch(c, events(1, 5))).toBe(5);
    expect(await storedSeqs(s)).toEqual([1, 2, 3, 4, 5]);
    c.close();
  });

  it("stores the new part of a resent batch that overlaps the previous one", async () => {
    const s = await seedSession();
    const c = await bridge(s);
    expect(await sendBatch(c, events(1, 5))).toBe(5);
    expect(await sendBatch(c, events(3, 8))).toBe(8);
    expect(await storedSeqs(s)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Stored text is each event's own: the resend did not overwrite or duplicate anything.
    const texts = (await storedEvents(s)).map((e) => (e.event.data as { text?: string }).text);
    expect(texts).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `event ${n}`));
    c.close();
  });

  it("stores out-of-order events once each, and an older batch arriving late changes nothing", async () => {
    const s = await seedSession();
    const c = await bridge(s);
    const shuffled = events(1, 6);
    const order = [3, 1, 6, 2, 5, 4];
    expect(
      await sendBatch(
        c,
        order.map((n) => shuffled[n - 1] as Event),
      ),
    ).toBe(6);
    // A batch the bridge resends after a newer one was acknowledged (a reconnect racing the ack).
    expect(await sendBatch(c, events(2, 4).reverse())).toBe(6);
    expect(await sendBatch(c, events(7, 9))).toBe(9);
    const stored = await storedSeqs(s);
    expect([...stored].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(stored).size).toBe(stored.length);
    // Stored in arrival order; ids (the subscribers' cursor) grow with it.
    expect(stored).toEqual([3, 1, 6, 2, 5, 4, 7, 8, 9]);
    c.close();
  });

  it("answers a reconnecting bridge's hello with the highest stored seq", async () => {
    const s = await seedSession();
    const first = await bridge(s);
    expect(await sendBatch(first, events(1, 4))).toBe(4);
    first.close();
    const again = await Client.open(`/sessions/${s.id}/sandbox`, {
      authorization: `Bearer ${s.sandboxToken}`,
    });
    again.send({ type: "hello", lastAckedSeq: 2 });
    expect(await again.next()).toEqual({ type: "ack", seq: 4 });
    // It resends what it had not seen acknowledged, and more.
    expect(await sendBatch(again, events(3, 6))).toBe(6);
    expect(await storedSeqs(s)).toEqual([1, 2, 3, 4, 5, 6]);
    again.close();
  });
});
