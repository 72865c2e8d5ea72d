/**
 * The transcript page's route and its live feed (`subscribe {format: "html"}`), through the
 * Worker, in workerd: capability, Content-Security-Policy, a first response bounded by the newest
 * events, fragments pushed to several pages, a dropped page resuming without loss or doubles, the
 * session's parts on a status change, and older history in HTML.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SessionFeedMessage } from "../../src/core/subscriber-protocol.js";
import type { Event } from "../../src/core/wire.js";
import { FIRST_PAGE_EVENTS } from "../../src/web/render-transcript-page.js";
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

const pagePath = (s: Seeded, token = s.token) => `/sessions/${s.id}?token=${encodeURIComponent(token)}`;
const socketPath = (s: Seeded) => `/sessions/${s.id}/socket?token=${encodeURIComponent(s.token)}`;

async function expectNext<T extends Feed["type"]>(c: Client, type: T): Promise<Of<T>> {
  const msg = SessionFeedMessage.parse(await c.next());
  expect(msg.type).toBe(type);
  return msg as Of<T>;
}

/** Opens the page's feed after `after`, as the page's script does; reads until caught up. */
async function openPage(s: Seeded, after: number): Promise<{ client: Client; ids: number[]; last: number }> {
  const client = await Client.open(socketPath(s));
  const ids: number[] = [];
  let last = after;
  for (let i = 0; i < 100; i++) {
    client.send({ type: "subscribe", after: last, format: "html" });
    const page = await expectNext(client, "page");
    ids.push(...page.fragments.map((f) => f.id));
    last = page.last;
    if (page.caughtUp) return { client, ids, last };
  }
  throw new Error("never caught up");
}

/** Reads `fragments` messages until the feed's `last` reaches `upTo`. */
async function fragmentsUpTo(
  c: Client,
  upTo: number,
  last: number,
): Promise<{ ids: number[]; last: number }> {
  const ids: number[] = [];
  while (last < upTo) {
    const msg = await expectNext(c, "fragments");
    ids.push(...msg.fragments.map((f) => f.id));
    last = msg.last;
  }
  return { ids, last };
}

/** Tool calls, their results and heartbeats: the rows the page groups, merges and leaves out. */
function toolEvents(from: number, count: number): Event[] {
  const out: Event[] = [];
  for (let i = 0; i < count; i++) {
    const seq = from + i;
    const at = new Date(1_700_000_000_000 + seq * 10).toISOString();
    const callId = `call_${seq}`;
    if (i % 3 === 0)
      out.push({
        seq,
        type: "tool_call",
        at,
        data: { callId, kind: "read", name: "Read", path: `src/file-${seq}.ts`, status: "running" },
      });
    else if (i % 3 === 1)
      out.push({
        seq,
        type: "tool_result",
        at,
        data: { callId: `call_${seq - 1}`, output: `contents of ${seq - 1}\n`.repeat(20), isError: false },
      });
    else out.push({ seq, type: "heartbeat", at, data: {} });
  }
  return out;
}

describe("GET /sessions/:id", () => {
  it("answers a wrong or missing token with 404, and the right one with a page under a strict CSP", async () => {
    const s = await seedSession();
    const other = await seedSession();
    for (const path of [pagePath(s, "nope"), pagePath(s, other.token), `/sessions/${s.id}`]) {
      const res = await workerFetch(path);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain(s.id);
    }
    await storeEvents(s, events(1, 3));
    const res = await workerFetch(pagePath(s));
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html.match(/<script>/g)).toHaveLength(1);
    const ids = (await storedEvents(s)).map((e) => e.id);
    expect(html).toContain(`data-last="${ids.at(-1)}"`);
    expect(html).toContain("event 3");
    expect(html).not.toContain('id="older"');
  });

  it("carries only the newest events of a 10,000-event session, and says how many are older", async () => {
    const s = await seedSession();
    for (let from = 1; from <= 10_000; from += 500) await storeEvents(s, toolEvents(from, 500));
    const res = await workerFetch(pagePath(s));
    const html = await res.text();
    const all = await storedEvents(s);
    const newest = all.slice(-FIRST_PAGE_EVENTS);
    expect(new TextEncoder().encode(html).length).toBeLessThan(300_000);
    expect(html).toContain(`data-last="${newest.at(-1)?.id}"`);
    const older = all.length - FIRST_PAGE_EVENTS;
    expect(html).toContain(`data-cursor="${newest[0]?.id}"`);
    expect(html).toContain(`Load ${older.toLocaleString("en-US")} earlier events`);
    // No row of an event before the window.
    const rowIds = [...html.matchAll(/data-id="(\d+)"/g)].map((m) => Number(m[1]));
    expect(Math.min(...rowIds)).toBeGreaterThanOrEqual(newest[0]?.id ?? 0);
  });
  it("stays under 300 KB when the newest events carry the largest outputs an agent can send", async () => {
    const s = await seedSession();
    const big: Event[] = [];
    for (let seq = 1; seq <= 300; seq++) {
      const at = new Date(1_700_000_000_000 + seq).toISOString();
      big.push(
        seq % 2
          ? {
              seq,
              type: "tool_call",
              at,
              data: { callId: `c${seq}`, kind: "read", name: "Read", path: `f${seq}`, status: "running" },
            }
          : {
              seq,
              type: "tool_result",
              at,
              data: { callId: `c${seq - 1}`, output: "<x>&".repeat(5_000), isError: false },
            },
      );
    }
    await storeEvents(s, big);
    const html = await (await workerFetch(pagePath(s))).text();
    expect(new TextEncoder().encode(html).length).toBeLessThan(300_000);
    // Fewer events than the count allows, and the rest are offered.
    expect(html).toMatch(/Load [\d,]+ earlier events/);
    const last = (await storedEvents(s)).at(-1)?.id;
    expect(html).toContain(`data-last="${last}"`);
  });
});

describe("the page's live feed", () => {
  it("pushes fragments to two pages; one drops, resumes from its last id and misses nothing, doubles nothing", async () => {
    const s = await seedSession();
    await storeEvents(s, toolEvents(1, 30));
    const start = (await storedEvents(s)).at(-1)?.id ?? 0;
    const a = await openPage(s, start);
    const b = await openPage(s, start);
    expect(a.ids).toEqual([]);

    let upTo = (await storeEvents(s, toolEvents(31, 30))).at(-1) ?? 0;
    const seenA = [...(await fragmentsUpTo(a.client, upTo, a.last)).ids];
    let lastA = upTo;
    const firstB = await fragmentsUpTo(b.client, upTo, b.last);
    const seenB = [...firstB.ids];

    // b drops; more than a page of events is stored while it is away.
    b.client.close();
    for (let from = 61; from < 61 + 1500; from += 300)
      upTo = (await storeEvents(s, toolEvents(from, 300))).at(-1) ?? upTo;
    seenA.push(...(await fragmentsUpTo(a.client, upTo, lastA)).ids);
    lastA = upTo;
    const resumed = await openPage(s, firstB.last);
    seenB.push(...resumed.ids);

    upTo = (await storeEvents(s, toolEvents(5000, 6))).at(-1) ?? upTo;
    seenA.push(...(await fragmentsUpTo(a.client, upTo, lastA)).ids);
    seenB.push(...(await fragmentsUpTo(resumed.client, upTo, resumed.last)).ids);

    // Every event after the start that has a row (heartbeats have none), once, in order.
    const shown = (await storedEvents(s))
      .filter((e) => e.id > start && e.event.type !== "heartbeat")
      .map((e) => e.id);
    expect(seenA).toEqual(shown);
    expect(seenB).toEqual(shown);
    expect(new Set(seenB).size).toBe(seenB.length);
    expect(a.client.drain()).toEqual([]);
    expect(resumed.client.drain()).toEqual([]);
    a.client.close();
    resumed.client.close();
  });

  it("sends the page's parts again when the status changes", async () => {
    const s = await seedSession();
    const page = await openPage(s, 0);
    await runInDurableObject(s.stub, (instance) => {
      const d = depsOf(instance);
      const row = d.store.getSession();
      if (!row) throw new Error("no session");
      d.store.putSession({
        ...row,
        status: "failed",
        error: "The agent <b>crashed</b>",
        finishedAt: new Date().toISOString(),
      });
      d.store.appendControlEvent(
        1,
        { type: "session_status", data: { status: "failed" } },
        new Date().toISOString(),
      );
    });
    const fragments = await expectNext(page.client, "fragments");
    expect(fragments.fragments.map((f) => f.op)).toEqual(["item"]);
    const parts = await expectNext(page.client, "parts");
    expect(parts.parts.status).toBe("failed");
    expect(parts.parts.live).toBe(false);
    expect(parts.parts.header).toContain('role="alert"');
    expect(parts.parts.header).toContain("The agent &lt;b&gt;crashed&lt;/b&gt;");
    page.client.close();
  });

  it("sends the page's parts again when usage or changed files arrive, not only on a status change", async () => {
    const s = await seedSession();
    const page = await openPage(s, 0);
    const at = new Date().toISOString();
    await storeEvents(s, [
      { seq: 1, type: "step_finish", at, data: { tokens: { input: 1200, output: 300 }, costUsd: 0.5 } },
      {
        seq: 2,
        type: "tool_call",
        at,
        data: { callId: "w1", kind: "write", name: "Write", path: "NEW.md", status: "running" },
      },
    ]);
    const fragments = await expectNext(page.client, "fragments");
    expect(fragments.fragments.map((f) => f.op)).toEqual(["call"]);
    const parts = await expectNext(page.client, "parts");
    expect(parts.parts.details).toContain("1.5k tokens");
    expect(parts.parts.details).toContain("<code>NEW.md</code>");
    // A batch of plain text changes nothing the parts show: no parts message.
    await storeEvents(s, events(3, 4));
    await expectNext(page.client, "fragments");
    expect(page.client.drain()).toEqual([]);
    page.client.close();
  });

  it("loads older history as HTML sections, page by page, each event once", async () => {
    const s = await seedSession();
    await storeEvents(s, events(1, 1200));
    const all = (await storedEvents(s)).map((e) => e.id);
    const client = await Client.open(socketPath(s));
    client.send({ type: "subscribe", after: all.at(-1), format: "html" });
    await expectNext(client, "page");
    let cursor: number | null = all.at(-FIRST_PAGE_EVENTS) ?? null;
    const seen: number[] = [];
    for (let i = 0; i < 10 && cursor !== null; i++) {
      client.send({ type: "fetch_history", cursor });
      const older = await expectNext(client, "older");
      const ids = [...older.html.matchAll(/data-id="(\d+)"/g)].map((m) => Number(m[1]));
      expect(older.html).toMatch(/^<section class="run" id="run-1" data-run="1">/);
      seen.unshift(...ids);
      cursor = older.hasMore ? older.cursor : null;
    }
    expect(seen).toEqual(all.slice(0, -FIRST_PAGE_EVENTS));
    client.close();
  });
});
