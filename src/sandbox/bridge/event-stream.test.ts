import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, expect, it } from "vitest";
import {
  type FakeControlPlane,
  startFakeControlPlane,
} from "../../../test/support/bridge/fake-control-plane.js";
import type { Event } from "../../core/wire.js";
import { openSpool } from "./event-spool.js";
import {
  createEventStream,
  type EventStream,
  type EventStreamOptions,
  sandboxSocketUrl,
} from "./event-stream.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function streamTo(
  cp: FakeControlPlane,
  startSeq: number,
  extra: Partial<EventStreamOptions> = {},
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

// --- The spool: a bridge that dies, or a control plane that forgets, costs no event.

function spoolDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "stream-spool-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const spoolOf = (cp: FakeControlPlane, path: string, compactAtBytes?: number) => ({
  spool: { path, sessionId: cp.sessionId, run: 1, compactAtBytes },
});

/** Every seq from 1 stored once, and no seq ever received with two different contents. */
function expectEachOnce(cp: FakeControlPlane, last: number) {
  const stored = cp.events();
  expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  const bySeq = new Map(stored.map((e) => [e.seq, e]));
  for (const e of cp.received) expect(e).toEqual(bySeq.get(e.seq));
  expect(cp.problems).toEqual([]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it("a restarted stream resends from its spool what a closed one left unacknowledged, and numbers on after it", async () => {
  const path = join(spoolDir(), "events.spool");
  let first: EventStream | undefined;
  const emitted: Event[] = [];
  const cp = await startFakeControlPlane({
    intercept: (events) => {
      if (events[0]!.seq !== 101) return { keep: events, close: false };
      // Events 101–160 are stored but their ack is lost; 161–180 are spooled and never sent. Then
      // the bridge "dies": closed without a drain and dropped.
      for (let i = 161; i <= 180; i++) emitted.push(first!.emit(text(i)));
      first!.close();
      return { keep: events, close: true };
    },
  });
  cleanups.push(() => cp.close());
  first = streamTo(cp, 0, spoolOf(cp, path));
  for (let i = 1; i <= 100; i++) emitted.push(first.emit(text(i)));
  // On disk before emit returned.
  expect(readFileSync(path, "utf8")).toContain(JSON.stringify(emitted[99]));
  expect(await first.drain(20_000)).toBe(true);
  for (let i = 101; i <= 160; i++) emitted.push(first.emit(text(i)));
  await cp.waitFor((events) => events.length === 160);
  expect(first.lastAckedSeq).toBe(100);

  // startSeq 0 again, as a restarted bridge is given the same spec.
  const second = streamTo(cp, 0, spoolOf(cp, path));
  for (let i = 181; i <= 185; i++) emitted.push(second.emit(text(i)));
  expect(await second.drain(20_000)).toBe(true);
  expect(emitted.map((e) => e.seq)).toEqual(Array.from({ length: 185 }, (_, i) => i + 1));
  expectEachOnce(cp, 185);
  expect(cp.events()).toEqual(emitted);
  expect(cp.hellos.at(-1)).toBe(100);
  // The control plane already had 101–160: only 161 onwards went out again.
  expect(cp.received.filter((e) => e.seq === 130)).toHaveLength(1);
});

it("a bridge killed with SIGKILL mid-run loses and doubles nothing once a new stream takes its spool", async () => {
  const dir = spoolDir();
  const path = join(dir, "events.spool");
  // The control plane stores the first 500 events and then loses the rest in flight, until the
  // bridge is dead: at the kill, events up to 500 are acknowledged and the rest are not.
  let room = 500;
  const cp = await startFakeControlPlane({
    intercept: (events) => {
      const keep = events.slice(0, room);
      room -= keep.length;
      return { keep, close: false };
    },
  });
  cleanups.push(() => cp.close());
  const script = fileURLToPath(new URL("../../../test/support/bridge/emit-until-killed.ts", import.meta.url));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const child = spawn(process.execPath, ["--import", tsx, script], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      SPOOL_URL: sandboxSocketUrl(cp.url, cp.sessionId),
      SPOOL_TOKEN: cp.token,
      SPOOL_PATH: path,
      SPOOL_SESSION: cp.sessionId,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once("exit", (_, signal) => resolve(signal)),
  );
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGKILL");
  });
  let emitted = 0;
  let stderr = "";
  createInterface({ input: child.stdout! }).on("line", (line) => {
    emitted = Number(line);
  });
  child.stderr!.on("data", (chunk) => {
    stderr += String(chunk);
  });
  // Killed while events flow, once it has recorded the ack of 500 and gone on emitting.
  const ackedAll = () => existsSync(path) && readFileSync(path, "utf8").includes('{"ack":500}');
  for (let i = 0; i < 600 && !(ackedAll() && emitted >= 700) && child.exitCode === null; i++) await sleep(25);
  expect(ackedAll(), stderr).toBe(true);
  process.kill(child.pid!, "SIGKILL");
  expect(await exited).toBe("SIGKILL");
  room = Number.POSITIVE_INFINITY;

  const left = openSpool(path, { sessionId: cp.sessionId, run: 1, startSeq: 0 });
  left.spool.close();
  const { lastSeq, lastAcked } = left.recovered;
  expect(lastAcked).toBe(500);
  expect(lastSeq).toBeGreaterThanOrEqual(emitted);
  expect(left.recovered.events.map((e) => e.seq)).toEqual(
    Array.from({ length: lastSeq - 500 }, (_, i) => 501 + i),
  );

  const stream = streamTo(cp, 0, spoolOf(cp, path));
  const after = [1, 2, 3].map((i) => stream.emit({ type: "assistant_text", data: { text: `after ${i}` } }));
  expect(after.map((e) => e.seq)).toEqual([lastSeq + 1, lastSeq + 2, lastSeq + 3]);
  expect(await stream.drain(20_000)).toBe(true);
  expectEachOnce(cp, lastSeq + 3);
  const texts = cp.events().map((e) => (e.type === "assistant_text" ? e.data.text : ""));
  expect(texts.slice(0, lastSeq)).toEqual(Array.from({ length: lastSeq }, (_, i) => `child ${i + 1}`));
  expect(texts.slice(lastSeq)).toEqual(["after 1", "after 2", "after 3"]);
  expect(cp.hellos.at(-1)).toBe(lastAcked);
});

it("a control plane that forgets acknowledged events gets them again from the spool", async () => {
  const path = join(spoolDir(), "events.spool");
  const sessionId = "sess_forgetful";
  const before = await startFakeControlPlane({ sessionId });
  cleanups.push(() => before.close());
  const first = streamTo(before, 0, spoolOf(before, path));
  const emitted: Event[] = [];
  for (let i = 1; i <= 30; i++) emitted.push(first.emit(text(i)));
  expect(await first.drain(20_000)).toBe(true);
  for (let i = 31; i <= 40; i++) emitted.push(first.emit(text(i)));
  first.close();

  // The control plane comes back without any of them: it acks 0 to a hello of 30.
  const after = await startFakeControlPlane({ sessionId });
  cleanups.push(() => after.close());
  const second = streamTo(after, 0, spoolOf(after, path));
  for (let i = 41; i <= 45; i++) emitted.push(second.emit(text(i)));
  expect(await second.drain(20_000)).toBe(true);
  expect(after.hellos).toEqual([30]);
  expectEachOnce(after, 45);
  expect(after.events()).toEqual(emitted);
});

it("loses and doubles nothing while the control plane drops the socket again and again", async () => {
  const path = join(spoolDir(), "events.spool");
  // A fixed pseudo-random sequence: which part of a batch is stored before the socket dies.
  let noise = 7;
  const next = () => {
    noise = (noise * 48_271) % 2_147_483_647;
    return noise / 2_147_483_647;
  };
  const cp = await startFakeControlPlane({
    intercept: (events, connection) => {
      if (connection >= 40 || next() < 0.3) return { keep: events, close: false };
      return { keep: events.slice(0, Math.floor(next() * events.length)), close: true };
    },
  });
  cleanups.push(() => cp.close());
  // A small compaction threshold, so the file is rewritten while events and acks flow.
  const stream = streamTo(cp, 0, { ...spoolOf(cp, path, 2_000), batchSize: 20, flushMs: 5 });
  const emitted: Event[] = [];
  for (let round = 0; round < 60; round++) {
    for (let i = 0; i < 10; i++) emitted.push(stream.emit(text(emitted.length + 1)));
    await sleep(3);
  }
  expect(await stream.drain(30_000)).toBe(true);
  expectEachOnce(cp, 600);
  expect(cp.events()).toEqual(emitted);
  expect(cp.connections()).toBeGreaterThanOrEqual(10);
  expect(cp.received.length).toBeGreaterThan(600);
  stream.close();
  const left = openSpool(path, { sessionId: cp.sessionId, run: 1, startSeq: 0 });
  left.spool.close();
  expect(left.recovered).toMatchObject({ events: [], lastSeq: 600, lastAcked: 600 });
  expect(left.spool.bytes).toBeLessThan(20_000);
});

it("moves a spool of another run aside and starts at startSeq", async () => {
  const path = join(spoolDir(), "events.spool");
  const cp = await startFakeControlPlane({ startSeq: 50 });
  cleanups.push(() => cp.close());
  const old = openSpool(path, { sessionId: cp.sessionId, run: 7, startSeq: 0 });
  old.spool.append({ seq: 1, type: "heartbeat", at: new Date().toISOString(), data: {} });
  old.spool.close();
  const stream = streamTo(cp, 50, spoolOf(cp, path));
  expect(stream.emit(text(1)).seq).toBe(51);
  expect(await stream.drain(20_000)).toBe(true);
  expect(cp.events().map((e) => e.seq)).toEqual([51]);
});
