/// <reference lib="dom" />
/**
 * The page's own script (src/web/transcript-client.ts), as shipped, in Debian's chromium: the
 * session socket is replaced by a fake the test feeds, so every tricky and random log can be
 * played through the real `apply()` and compared with the server's layout of the same log
 * (render-runs.ts). Fragments come in random chunks, some twice (a resend after a reconnect).
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionEvent } from "../../src/core/session-event.js";
import type { SessionFeedMessage } from "../../src/core/subscriber-protocol.js";
import { renderPageParts } from "../../src/web/render-page-parts.js";
import { renderRuns } from "../../src/web/render-runs.js";
import { renderTranscriptPage } from "../../src/web/render-transcript-page.js";
import { changedPathsOf, transcriptFacts } from "../../src/web/transcript-facts.js";
import { toFragments } from "../../src/web/transcript-fragments.js";
import { CHROMIUM_ARGS, ensureChromium } from "../support/ensure-chromium.js";
import { at, baseView } from "../support/session-scenario.js";
import { prng, randomLog, tricky } from "../support/transcript-logs.js";

/** Installed before the page's script runs: a WebSocket the test drives through window.__feed. */
function fakeSocket() {
  const w = window as unknown as {
    WebSocket: unknown;
    __sent: string[];
    __feed: (msg: unknown) => void;
    __socket: { onmessage?: (e: { data: string }) => void } | null;
  };
  w.__sent = [];
  w.__socket = null;
  class FakeSocket {
    readyState = 0;
    onopen?: () => void;
    onmessage?: (e: { data: string }) => void;
    onclose?: () => void;
    onerror?: () => void;
    constructor() {
      w.__socket = this;
      setTimeout(() => {
        this.readyState = 1;
        this.onopen?.();
      }, 0);
    }
    send(text: string) {
      w.__sent.push(text);
    }
    close() {
      this.readyState = 3;
      this.onclose?.();
    }
  }
  w.WebSocket = FakeSocket;
  w.__feed = (msg) => w.__socket?.onmessage?.({ data: JSON.stringify(msg) });
}

const view = baseView({ status: "running" });

/** A page with nothing on it yet, served as the server would, with the shipped script. */
function emptyPage(): string {
  const facts = transcriptFacts([], [], 0);
  return renderTranscriptPage(
    { view, events: [], results: [], facts, olderCursor: null, olderCount: 0, last: 0 },
    new Date(at(60)),
  );
}

/** Texts of each run's log: what a reader sees, row by row. */
const logs = (p: Page) =>
  p.$$eval("#runs section.run", (secs) =>
    secs.map((s) => ({
      run: (s as HTMLElement).dataset.run,
      rows: [...s.querySelectorAll("ol.log > li")].map((li) =>
        (li.textContent ?? "").replace(/\s+/g, " ").trim(),
      ),
    })),
  );

/** Ids of every event on the page (rows and merged results), in document order. */
const ids = (p: Page) =>
  p.$$eval("#runs [data-id]", (els) =>
    els.flatMap((e) => {
      const { id, result } = (e as HTMLElement).dataset;
      return result ? [Number(id), Number(result)] : [Number(id)];
    }),
  );

describe("the page's script in chromium", () => {
  let browser: Browser;
  let page: Page;
  let reference: Page;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: ensureChromium(), args: CHROMIUM_ARGS });
    page = await browser.newPage();
    await page.addInitScript(fakeSocket);
    // Served from a made-up origin so the init script runs on each load (setContent would not).
    await page.route("http://transcript.test/**", (route) =>
      route.fulfill({ body: emptyPage(), contentType: "text/html; charset=utf-8" }),
    );
    reference = await browser.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** Plays `list` into a fresh page in chunks of the given sizes; resends a chunk when `replay`. */
  async function play(list: readonly SessionEvent[], random: () => number, replay: boolean) {
    await page.goto("http://transcript.test/sessions/s1?token=t");
    await page.waitForFunction(() => (window as unknown as { __sent: string[] }).__sent.length > 0);
    const facts = transcriptFacts(list, changedPathsOf(list), list.length);
    const parts = renderPageParts(view, facts, new Date(at(60)));
    const first: SessionFeedMessage = { type: "page", parts, fragments: [], last: 0, caughtUp: true };
    await page.evaluate((m) => (window as unknown as { __feed: (m: unknown) => void }).__feed(m), first);
    let sent: SessionFeedMessage | null = null;
    for (let i = 0; i < list.length; ) {
      const size = 1 + Math.floor(random() * 6);
      const chunk = list.slice(i, i + size);
      i += size;
      const msg: SessionFeedMessage = {
        type: "fragments",
        fragments: toFragments(chunk),
        last: chunk.at(-1)?.id ?? 0,
      };
      const batch = replay && sent && random() < 0.3 ? [sent, msg] : [msg];
      await page.evaluate((ms) => {
        for (const m of ms) (window as unknown as { __feed: (m: unknown) => void }).__feed(m);
      }, batch);
      sent = msg;
    }
    await reference.setContent(
      `<div id="runs">${renderRuns(list, new Map(parts.heads.map((h) => [h.run, h.html])))}</div>`,
    );
  }

  it("builds the tricky log exactly as the server lays it out", async () => {
    const list = tricky();
    await play(list, prng(1), false);
    expect(await logs(page)).toEqual(await logs(reference));
    expect(await ids(page)).toEqual(await ids(reference));
  });

  it("builds 40 random logs, fed in random chunks with resends, exactly as the server lays them out", async () => {
    const random = prng(2026);
    for (let i = 0; i < 40; i++) {
      const list = randomLog(random, 10 + Math.floor(random() * 50));
      await play(list, random, true);
      const [got, want] = [await logs(page), await logs(reference)];
      expect(got, `log ${i}`).toEqual(want);
      const onPage = await ids(page);
      expect(new Set(onPage).size, `log ${i}: an event shown twice`).toBe(onPage.length);
    }
  }, 120_000);

  it("subscribes after the page's last event, and again after its last fragment when the socket drops", async () => {
    const list = tricky();
    await play(list, prng(3), false);
    const sent = () =>
      page.evaluate(() => (window as unknown as { __sent: string[] }).__sent.map((s) => JSON.parse(s)));
    expect((await sent())[0]).toEqual({ type: "subscribe", after: 0, format: "html" });
    await page.evaluate(() => (window as unknown as { __socket: { close(): void } }).__socket.close());
    await page.waitForSelector('body[data-conn="reconnecting"]');
    await page.waitForFunction(
      () =>
        (window as unknown as { __sent: string[] }).__sent.filter((s) => s.includes('"subscribe"')).length >
        1,
      undefined,
      { timeout: 10_000 },
    );
    const again = (await sent()).filter((m: { type: string }) => m.type === "subscribe").at(-1);
    expect(again).toEqual({ type: "subscribe", after: list.at(-1)?.id, format: "html" });
  });
});
