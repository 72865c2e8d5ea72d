/**
 * Live transcript subscribers (worker/session/viewer-socket.ts, protocol in
 * src/core/subscriber-protocol.ts), through the Worker's route, in workerd.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SessionEvent } from "../../src/core/session-event.js";
import { SessionFeedMessage } from "../../src/core/subscriber-protocol.js";
import { SessionStore } from "../../worker/session/store.js";
import { liveViewers } from "../../worker/session/viewer-socket.js";
import {
  Client,
  depsOf,
  events,
  type Seeded,
  seedSession,
  storedEvents,
  storeEvents,
  workerFetch,
} from "./support.js";

type Feed = SessionFeedMessage;
type Of<T extends Feed["type"]> = Extract<Feed, { type: T }>;

const socketPath = (s: Seeded, token = s.token) =>
  `/sessions/${s.id}/socket?token=${encodeURIComponent(token)}`;

/** The next message, checked against the protocol's schema and of the expected type. */
async function expectNext<T extends Feed["type"]>(c: Client, type: T): Promise<Of<T>> {
  const msg = SessionFeedMessage.parse(await c.next());
  expect(msg.type).toBe(type);
  return msg as Of<T>;
}

async function subscribe(s: Seeded, after?: number): Promise<{ client: Client; snapshot: Of<"snapshot"> }> {
  const client = await Client.open(socketPath(s));
  client.send(after === undefined ? { type: "subscribe" } : { type: "subscribe", after });
  return { client, snapshot: await expectNext(client, "snapshot") };
}

/** Reads `events` messages until `count` events arrived; fails on anything else. */
async function liveEvents(c: Client, count: number): Promise<SessionEvent[]> {
  const out: SessionEvent[] = [];
  while (out.length < count) out.push(...(await expectNext(c, "events")).events);
  return out;
}

const ids = (list: readonly SessionEvent[]) => list.map((e) => e.id);

describe("the socket route", () => {
  it("refuses a wrong capability, or another session's, before the upgrade, with the page's 404", async () => {
    const s = await seedSession();
    const other = await seedSession();
    for (const path of [
      socketPath(s, "not-the-token"),
      socketPath(s, other.token),
      `/sessions/${s.id}/socket`,
    ]) {
      const res = await workerFetch(path, { headers: { upgrade: "websocket" } });
      expect(res.status).toBe(404);
      expect(res.webSocket).toBeNull();
      expect(await res.json()).toEqual({ error: "no such transcript" });
    }
    // The page answers the same for the same mistake.
    expect((await workerFetch(`/sessions/${s.id}?token=not-the-token`)).status).toBe(404);
    // The right capability without an upgrade is not a socket either.
    expect((await workerFetch(socketPath(s))).status).toBe(426);
    const ok = await workerFetch(socketPath(s), { headers: { upgrade: "websocket" } });
    expect(ok.status).toBe(101);
    ok.webSocket?.accept();
    ok.webSocket?.close(1000, "done");
  });
});

describe("snapshot and history", () => {
  it("snapshots the newest 500 events and pages the older ones exactly with fetch_history", async () => {
    const s = await seedSession();
    const total = 1234;
    await storeEvents(s, events(1, total));
    const { client, snapshot } = await subscribe(s);
    const all = ids(await storedEvents(s));
    expect(all).toHaveLength(total);
    expect(ids(snapshot.events)).toEqual(all.slice(-500));
    expect(snapshot.caughtUp).toBe(true);
    expect(snapshot.session).toMatchObject({ id: s.id, status: "running", run: 1 });
    expect(snapshot.session.transcriptUrl).toContain(`/sessions/${s.id}?token=`);
    expect(snapshot.messages).toMatchObject([
      { author: "octocat", text: "add a greeting", state: "running" },
    ]);

    const older: SessionEvent[][] = [];
    let cursor = snapshot.cursor;
    while (cursor !== null) {
      client.send({ type: "fetch_history", cursor });
      const page = await expectNext(client, "history");
      expect(page.events.length).toBeLessThanOrEqual(500);
      expect(page.hasMore).toBe(page.cursor !== null);
      older.unshift(page.events);
      cursor = page.cursor;
    }
    expect(older.map((p) => p.length)).toEqual([234, 500]);
    expect([...older.flat().map((e) => e.id), ...ids(snapshot.events)]).toEqual(all);
    client.close();
  });

  it("answers a malformed message with an error and keeps the socket usable", async () => {
    const s = await seedSession();
    await storeEvents(s, events(1, 3));
    const client = await Client.open(socketPath(s));
    client.send("{not json");
    expect(await expectNext(client, "error")).toMatchObject({ message: "message is not JSON" });
    client.send({ type: "fetch_history", cursor: "yesterday" });
    const bad = await expectNext(client, "error");
    expect(bad.issues?.[0]).toContain("cursor");
    client.send({ type: "unsubscribe-everyone" });
    await expectNext(client, "error");
    client.send({ type: "ping" });
    await expectNext(client, "pong");
    client.send({ type: "subscribe" });
    expect(ids((await expectNext(client, "snapshot")).events)).toHaveLength(3);
    await storeEvents(s, events(4, 4));
    expect((await liveEvents(client, 1))[0]?.event.seq).toBe(4);
    client.close();
  });
});

describe("live events", () => {
  it("pushes to two subscribers; one drops, resumes from its cursor and misses nothing, doubles nothing", async () => {
    const s = await seedSession();
    await storeEvents(s, events(1, 10));
    const a = await subscribe(s);
    const b = await subscribe(s);
    const seenA = ids(a.snapshot.events);
    const seenB = ids(b.snapshot.events);

    await storeEvents(s, events(11, 20));
    seenA.push(...ids(await liveEvents(a.client, 10)));
    seenB.push(...ids(await liveEvents(b.client, 10)));

    // b drops; 1,200 events are stored while it is away (more than a page), then it comes back.
    b.client.close();
    for (let from = 21; from <= 1220; from += 300) await storeEvents(s, events(from, from + 299));
    seenA.push(...ids(await liveEvents(a.client, 1200)));

    const resumed = await subscribe(s, seenB.at(-1));
    let snapshot = resumed.snapshot;
    const pages: number[] = [];
    for (;;) {
      seenB.push(...ids(snapshot.events));
      pages.push(snapshot.events.length);
      expect(snapshot.session.status).toBe("running");
      if (snapshot.caughtUp) break;
      // Not live while catching up: an event stored now comes with a later page, not pushed before it.
      await storeEvents(s, events(5000 + pages.length, 5000 + pages.length));
      resumed.client.send({ type: "subscribe", after: seenB.at(-1) });
      snapshot = await expectNext(resumed.client, "snapshot");
    }
    expect(pages.every((n) => n <= 500)).toBe(true);
    expect(pages.length).toBeGreaterThan(2);
    seenA.push(...ids(await liveEvents(a.client, pages.length - 1)));

    // Both live again: the next events reach both, once.
    await storeEvents(s, events(9000, 9004));
    seenA.push(...ids(await liveEvents(a.client, 5)));
    seenB.push(...ids(await liveEvents(resumed.client, 5)));

    const all = ids(await storedEvents(s));
    expect(seenA).toEqual(all);
    expect(seenB).toEqual(all);
    expect(a.client.drain()).toEqual([]);
    expect(resumed.client.drain()).toEqual([]);
    a.client.close();
    resumed.client.close();
  });

  it("pushes what the bridge sends, once, and a new session view when the status changes", async () => {
    const s = await seedSession();
    const { client } = await subscribe(s);
    const bridge = await Client.open(`/sessions/${s.id}/sandbox`, {
      authorization: `Bearer ${s.sandboxToken}`,
    });
    bridge.send({ type: "events", events: events(1, 3) });
    await bridge.next();
    bridge.send({ type: "events", events: events(2, 5) });
    await bridge.next();
    expect((await liveEvents(client, 5)).map((e) => e.event.seq)).toEqual([1, 2, 3, 4, 5]);

    await runInDurableObject(s.stub, (instance) => {
      const d = depsOf(instance);
      const row = d.store.getSession();
      if (!row) throw new Error("no session");
      d.store.putSession({ ...row, status: "finishing" });
      d.store.appendControlEvent(
        1,
        { type: "session_status", data: { status: "finishing" } },
        new Date().toISOString(),
      );
    });
    const pushed = await expectNext(client, "events");
    expect(pushed.events.map((e) => e.event.type)).toEqual(["session_status"]);
    const update = await expectNext(client, "session");
    expect(update.session.status).toBe("finishing");
    expect(update.messages).toHaveLength(1);
    expect(client.drain()).toEqual([]);
    bridge.close();
    client.close();
  });

  it("does not push again what a snapshot taken while pushes were pending already holds", async () => {
    const s = await seedSession();
    await storeEvents(s, events(1, 3));
    const client = await Client.open(socketPath(s));
    await runInDurableObject(s.stub, async (instance, state) => {
      const d = depsOf(instance);
      const ws = state.getWebSockets("viewer")[0];
      if (!ws) throw new Error("no viewer socket");
      // A status change makes its push wait for the session view; events stored behind it wait too,
      // and the subscribe below reads the log before they go out.
      d.store.appendControlEvent(
        1,
        { type: "session_status", data: { status: "running" } },
        new Date().toISOString(),
      );
      d.store.insertEvents(1, events(4, 6));
      await instance.webSocketMessage(ws, JSON.stringify({ type: "subscribe" }));
      await new Promise((r) => setTimeout(r, 20));
    });
    const snapshot = await expectNext(client, "snapshot");
    expect(snapshot.events.map((e) => e.event.seq)).toEqual([1, 2, 3, 0, 4, 5, 6]);
    // The pending pushes found the socket's cursor past them: only the session view follows.
    expect((await expectNext(client, "session")).session.status).toBe("running");
    await new Promise((r) => setTimeout(r, 50));
    expect(client.drain()).toEqual([]);
    client.close();
  });

  it("keeps a subscriber's state in its attachment, so a woken object pushes from it alone", async () => {
    const s = await seedSession();
    await storeEvents(s, events(1, 7));
    const { client } = await subscribe(s);
    const attachments = await runInDurableObject(s.stub, (_instance, state) =>
      state.getWebSockets("viewer").map((ws) => ws.deserializeAttachment()),
    );
    expect(attachments).toEqual([{ role: "viewer", live: true, cursor: 7 }]);

    // A store and hook built afresh over the same SQLite, as a woken object builds them: nothing in
    // memory, yet it pushes to the socket from its attachment, after the cursor.
    await runInDurableObject(s.stub, (instance, state) => {
      const d = depsOf(instance);
      const woken = new SessionStore(
        state.storage.sql,
        liveViewers(() => ({ ...d, store: woken })),
      );
      woken.insertEvents(1, events(8, 9));
    });
    expect((await liveEvents(client, 2)).map((e) => e.event.seq)).toEqual([8, 9]);
    await new Promise((r) => setTimeout(r, 50));
    expect(client.drain()).toEqual([]);
    const after = await runInDurableObject(s.stub, (_instance, state) =>
      state.getWebSockets("viewer").map((ws) => ws.deserializeAttachment()),
    );
    expect(after).toEqual([{ role: "viewer", live: true, cursor: 9 }]);
    client.close();
  });
});
