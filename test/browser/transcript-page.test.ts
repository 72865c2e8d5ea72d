/// <reference lib="dom" />
/**
 * The transcript page in a real browser: Debian's chromium driven by playwright-core, against the
 * whole offline stack (workerd, the sandbox host, the real Claude Code CLI on a scripted model).
 * A session whose every field carries an XSS payload runs while the page is open: the page shows
 * new events as they come, a tool call expands, a socket cut by the network is resumed with nothing
 * lost or doubled, the live page ends up reading the same as the page loaded afresh, and no payload
 * ever ran (no dialog, no marker set, no element with an event handler, no CSP violation).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionEvent } from "../../src/core/session-event.js";
import { type FaultProxy, startFaultProxy } from "../../src/demo/fault-proxy.js";
import type { ModelScript, ScriptedTurn } from "../../src/demo/model-server.js";
import { type Stack, startStack } from "../../src/demo/start-stack.js";
import { waitFor } from "../../src/demo/wait-for.js";
import { renderRuns } from "../../src/web/render-runs.js";
import { CHROMIUM_ARGS, ensureChromium } from "../support/ensure-chromium.js";
import { XSS_PAYLOADS } from "../support/xss-corpus.js";

const ARTIFACTS = path.resolve("test-artifacts");

/** A promise the test resolves to let the scripted model answer a turn. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

const ALL = XSS_PAYLOADS.join("\n\n");
const FILE = "xss-<img src=x onerror=window.__xss=101>.md";

describe("the transcript page in chromium", () => {
  let stack: Stack;
  let proxy: FaultProxy;
  let browser: Browser;
  const pageOpen = gate();
  const dropped = gate();

  const script: ModelScript = async ({ turn, cwd }): Promise<ScriptedTurn> => {
    switch (turn) {
      case 0:
        await pageOpen.wait;
        return {
          blocks: [
            { type: "text", text: `Looking at it.\n\n${ALL}` },
            { type: "tool_use", name: "Write", input: { file_path: `${cwd}/${FILE}`, content: ALL } },
          ],
        };
      case 1:
        return {
          blocks: [
            {
              type: "tool_use",
              name: "Bash",
              input: { command: `cat '${FILE}'`, description: XSS_PAYLOADS[1] },
            },
          ],
        };
      case 2:
        await dropped.wait;
        return {
          blocks: [
            { type: "text", text: XSS_PAYLOADS.slice(0, 5).join(" ") },
            {
              type: "tool_use",
              name: "Bash",
              input: { command: "git status --short", description: "Check" },
            },
          ],
        };
      default:
        return { blocks: [{ type: "text", text: `Add the notes file\n\n${ALL}` }] };
    }
  };

  beforeAll(async () => {
    const executablePath = ensureChromium();
    // A small first page, so this short session also pages older history in over the socket.
    stack = await startStack({ script, vars: { TRANSCRIPT_PAGE_EVENTS: "8" } });
    proxy = await startFaultProxy({ target: stack.controlPlane.url });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    await mkdir(ARTIFACTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    pageOpen.open();
    dropped.open();
    await browser?.close();
    await proxy?.close();
    await stack?.close();
  });

  /** A page that records every dialog, XSS marker and CSP violation. */
  async function open(url: string): Promise<{ page: Page; dialogs: string[] }> {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener("securitypolicyviolation", (e) => {
        w.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
      });
    });
    await page.goto(url);
    return { page, dialogs };
  }

  /** Ids of the events on the page: each row's, and each result merged into its call's row. */
  const rowIds = (page: Page) =>
    page.$$eval("#runs [data-id]", (els) =>
      els.flatMap((e) => {
        const { id, result } = (e as HTMLElement).dataset;
        return result ? [Number(id), Number(result)] : [Number(id)];
      }),
    );

  it("follows a live session, survives a dropped socket, and runs no script from any field", async () => {
    const issueNumber = stack.createIssue(XSS_PAYLOADS.slice(0, 4).join(" "));
    await stack.comment(`@understudy write the notes ${XSS_PAYLOADS[0]} ${XSS_PAYLOADS[3]}`, { issueNumber });
    const bot = () => stack.github.state.comments.filter((c) => c.user === stack.github.app.botLogin);
    const transcript = await waitFor("the transcript link", () => {
      const m = bot()[0]?.body.match(
        /\((http:\/\/127\.0\.0\.1:\d+\/sessions\/[0-9a-f]{64}\?token=[^)\s]+)\)/,
      );
      return m?.[1];
    });
    const viaProxy = transcript.replace(new URL(transcript).origin, proxy.url);

    const { page, dialogs } = await open(viaProxy);
    await page.waitForSelector('body[data-conn="connected"]');
    const before = await rowIds(page);
    pageOpen.open();

    // New events arrive without a reload: the Bash call's result is merged into its row.
    await page.waitForSelector("li.tool.st-done[data-call] .result pre", {
      state: "attached",
      timeout: 60_000,
    });
    const call = page.locator("li.tool.st-done", { has: page.locator(".what code", { hasText: /^cat / }) });
    await call.waitFor({ state: "attached", timeout: 60_000 });
    expect((await rowIds(page)).length).toBeGreaterThan(before.length);

    // Expand a tool call: its output shows.
    expect(await call.locator(".result").isVisible()).toBe(false);
    await call.locator("summary").first().click();
    expect(await call.locator("details").first().getAttribute("open")).not.toBeNull();
    expect(await call.locator(".result").isVisible()).toBe(true);
    expect(await call.locator(".result").textContent()).toContain("Output");

    // The network drops the socket; the agent goes on meanwhile; the page resumes from its cursor.
    expect(proxy.dropSockets()).toBeGreaterThan(0);
    dropped.open();
    await page.waitForSelector('body[data-conn="reconnecting"], body[data-conn="offline"]');
    await page.waitForSelector('body[data-conn="connected"]', { timeout: 30_000 });
    await page.waitForSelector('body[data-status="completed"]', { timeout: 90_000 });
    await page.waitForSelector("#head nav a", { timeout: 30_000 });

    await page.setViewportSize({ width: 1280, height: 1000 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(ARTIFACTS, "transcript.png") });

    // Nothing lost, nothing doubled: every event with a row is on the page once, in order.
    const json = (await (await fetch(transcript.replace("?", "/events?"))).json()) as {
      events: { id: number; event: { type: string } }[];
    };
    const expected = json.events
      .filter((e) => e.event.type !== "heartbeat" && e.event.type !== "step_finish")
      .map((e) => e.id);
    // Both the live page and a fresh one load their older history, and then read exactly as the
    // server lays out the whole log (render-runs.ts) rendered into a blank page.
    const fresh = await open(viaProxy);
    expect(await fresh.page.$("#older")).not.toBeNull();
    for (const p of [page, fresh.page]) {
      for (let i = 0; i < 20 && (await p.$("#older")); i++) {
        const n = (await rowIds(p)).length;
        await p.click("#older");
        await p.waitForFunction((count) => document.querySelectorAll("#runs [data-id]").length > count, n);
      }
      expect(await p.$("#older")).toBeNull();
    }
    const live = await rowIds(page);
    expect(new Set(live).size).toBe(live.length);
    expect([...live].sort((a, b) => a - b)).toEqual(expected);
    const all = json.events as unknown as SessionEvent[];
    const reference = await browser.newPage();
    await reference.setContent(`<div id="runs">${renderRuns(all, new Map())}</div>`);
    const logText = (p: Page) =>
      p.$$eval("#runs ol.log", (els) => els.map((el) => (el.textContent ?? "").replace(/\s+/g, " ").trim()));
    expect(await logText(page)).toEqual(await logText(reference));
    expect(await logText(fresh.page)).toEqual(await logText(reference));
    const text = (p: Page) => p.$eval("#runs", (el) => (el.textContent ?? "").replace(/\s+/g, " ").trim());
    expect(await text(page)).toBe(await text(fresh.page));
    await reference.close();

    // Open every collapsible, hover every row, follow the markers: nothing ran.
    for (const p of [page, fresh.page]) {
      await p.$$eval("details", (els) => {
        for (const d of els) (d as HTMLDetailsElement).open = true;
      });
      await p.hover("#runs");
      const state = await p.evaluate(() => {
        const w = window as unknown as { __xss?: unknown; __csp: string[] };
        const handlers = [...document.querySelectorAll("*")].flatMap((el) =>
          [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName} ${a.name}`),
        );
        const links = [...document.querySelectorAll("a[href]")].map((a) => (a as HTMLAnchorElement).protocol);
        const scripts = document.querySelectorAll("script").length;
        const frames = document.querySelectorAll("iframe, object, embed, base, form, svg, math").length;
        return { xss: w.__xss, csp: w.__csp, handlers, links, scripts, frames };
      });
      expect(state.xss).toBeUndefined();
      expect(state.csp).toEqual([]);
      expect(state.handlers).toEqual([]);
      expect(state.links.every((p) => ["http:", "https:", "mailto:"].includes(p))).toBe(true);
      expect(state.scripts).toBe(1);
      expect(state.frames).toBe(0);
    }
    expect(dialogs).toEqual([]);
    expect(fresh.dialogs).toEqual([]);
    // The payloads are on the page as text.
    expect(await page.textContent("#runs")).toContain("<script>");

    await page.setViewportSize({ width: 390, height: 844 });
    // Readable at a phone's width: the page does not scroll sideways.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(ARTIFACTS, "transcript-phone.png") });
  }, 180_000);
});
