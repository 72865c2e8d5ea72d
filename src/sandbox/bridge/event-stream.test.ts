import { createServer } from "node:net";
import { afterEach, expect, it } from "vitest";
import {
  type FakeControlPlane,
  startFakeControlPlane,
} from "../../../test/support/bridge/fake-control-plane.js";
import type { Event } from "../../core/wire.js";
import { createEventStream, type EventStream, sandboxSocketUrl } from "./event-stream.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function streamTo(
  cp: FakeControlPlane,
  startSeq: number,
  extra: { giveUpAfterMs?: number } = {},
): EventStream {
  const stream = createEventStream({
    url: sandboxSocketUrl(cp.url, cp.sessionId),
    token: cp.token,
    startSeq,
    backoffInitialMs: 10,
    backoffMaxMs: 50,
    ...extra,
  });
  cleanups.push(() => stream.close());
  return stream;
}

const text = (i: number) => ({ type: "assistant_text" as const, data: { text: `event ${i}` } });

it("resends what was not acknowledged after the connection drops, so nothing is lost or duplicated", async () => {
  const startSeq = 40;
  const cp = await startFakeControlPlane({
    startSeq,
    intercept: (events, connection) => {
      // Connection 0: the first batch is lost in flight and the socket dies.
      if (connection === 0) return { keep: [], close: true };
      // Connection 1: half of the second batch is stored (leaving a gap), then the socket dies
      // before its ack, so the resend repeats events the control plane already has.
      if (connection === 1 && events[0]!.seq > startSeq + 100) return { keep: events.slice(50), close: true };
      return { keep: events, close: false };
    },
  });
  cleanups.push(() => cp.close());
  const stream = streamTo(cp, startSeq);

  const emitted: Event[] = [];
  for (let i = 1; i <= 250; i++) emitted.push(stream.emit(text(i)));
  expect(await stream.drain(20_000)).toBe(true);

  const stored = cp.events();
  expect(stored.map((e) => e.seq)).toEqual(emitted.map((_, i) => startSeq + 1 + i));
  expect(stored).toEqual(emitted);
  // An event the control plane had stored was really sent again, and de-duplicated.
  expect(cp.received.filter((e) => e.seq === startSeq + 200).length).toBeGreaterThanOrEqual(2);
  expect(cp.connections()).toBeGreaterThanOrEqual(3);
  expect(cp.hellos[0]).toBe(startSeq);
  expect(cp.hellos.at(-1)).toBe(startSeq + 100);
  expect(Math.max(...cp.batchSizes)).toBeLessThanOrEqual(100);
  expect(cp.problems).toEqual([]);
  expect(stream.lastAckedSeq).toBe(startSeq + 250);
});

it("keeps numbering across events emitted before and after the connection opens", async () => {
  const cp = await startFakeControlPlane();
  cleanups.push(() => cp.close());
  const stream = streamTo(cp, 0);
  stream.emit(text(1));
  await cp.waitFor((events) => events.length === 1);
  stream.emit(text(2));
  stream.emit({ type: "heartbeat", data: {} });
  expect(await stream.drain(20_000)).toBe(true);
  expect(cp.events().map((e) => [e.seq, e.type])).toEqual([
    [1, "assistant_text"],
    [2, "assistant_text"],
    [3, "heartbeat"],
  ]);
});

it("replaces a malformed event with an error event of the same seq instead of poisoning the batch", async () => {
  const cp = await startFakeControlPlane();
  cleanups.push(() => cp.close());
  const stream = streamTo(cp, 0);
  stream.emit({ type: "tool_result", data: { callId: "x", output: 42 } } as never);
  stream.emit(text(2));
  expect(await stream.drain(20_000)).toBe(true);
  const [first, second] = cp.events();
  expect(first).toMatchObject({ seq: 1, type: "error" });
  expect(second).toMatchObject({ seq: 2, type: "assistant_text" });
  expect(cp.problems).toEqual([]);
});

it("gives up after the configured time without a connection and reports it", async () => {
  // A port that was free a moment ago: connections are refused.
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  let failure: Error | undefined;
  const failed = new Promise<void>((resolve) => {
    const stream = createEventStream({
      url: `ws://127.0.0.1:${port}/sessions/s/sandbox`,
      token: "t".repeat(32),
      startSeq: 0,
      giveUpAfterMs: 300,
      backoffInitialMs: 10,
      backoffMaxMs: 50,
      onFailed: (err) => {
        failure = err;
        resolve();
      },
    });
    cleanups.push(() => stream.close());
    stream.emit(text(1));
  });
  await failed;
  expect(failure?.message).toMatch(/gave up/);
});

it("does not connect with a wrong token", async () => {
  const cp = await startFakeControlPlane();
  cleanups.push(() => cp.close());
  let failed = false;
  const stream = createEventStream({
    url: sandboxSocketUrl(cp.url, cp.sessionId),
    token: "wrong".repeat(8),
    startSeq: 0,
    giveUpAfterMs: 200,
    backoffInitialMs: 10,
    backoffMaxMs: 50,
    onFailed: () => {
      failed = true;
    },
  });
  cleanups.push(() => stream.close());
  stream.emit(text(1));
  expect(await stream.drain(20_000)).toBe(false);
  expect(failed).toBe(true);
  expect(cp.connections()).toBe(0);
});

it("builds the socket URL from the control URL", () => {
  expect(sandboxSocketUrl("https://understudy.example/", "a b")).toBe(
    "wss://understudy.example/sessions/a%20b/sandbox",
  );
  expect(sandboxSocketUrl("http://127.0.0.1:8787/base", "s1")).toBe(
    "ws://127.0.0.1:8787/base/sessions/s1/sandbox",
  );
});
