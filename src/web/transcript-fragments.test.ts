/**
 * The live page must read the same as the page loaded afresh. No DOM library is installed, so this
 * applies fragments to a small model of the page that follows the script's `apply()`
 * (transcript-client.ts) rule by rule, serializes it the way the browser would, and compares the
 * result with the server's own layout (render-runs.ts), byte for byte.
 */
import { describe, expect, it } from "vitest";
import { events, stored } from "../../test/support/session-scenario.js";
import { builder, prng, randomLog, tricky } from "../../test/support/transcript-logs.js";
import { escapeHtml } from "../core/escape-html.js";
import type { SessionEvent } from "../core/session-event.js";
import type { TranscriptFragment } from "../core/subscriber-protocol.js";
import { TranscriptFragment as FragmentSchema } from "../core/subscriber-protocol.js";
import type { Event } from "../core/wire.js";
import { renderRuns } from "./render-runs.js";
import { toFragments } from "./transcript-fragments.js";

type Call = { callId: string; html: string };
type Row = { kind: "item"; html: string } | { kind: "group"; alt: string; calls: Call[] };

const attr = (html: string, name: string): string => {
  const v = new RegExp(`^<[a-z]+[^>]*? ${name}="([^"]*)"`).exec(html)?.[1];
  if (v === undefined) throw new Error(`no ${name} in ${html.slice(0, 120)}`);
  return v;
};

/** `li` (a call row) with `.result`'s inner HTML, class and data-result set, as the script sets them. */
function setResult(li: string, inner: string, className: string, resultId: string): string {
  const open = li.slice(0, li.indexOf(">") + 1);
  let head = open.replace(/^<li class="[^"]*"/, `<li class="${className}"`);
  // A new attribute goes last, which is where the server writes it.
  head = / data-result="/.test(head)
    ? head.replace(/ data-result="[^"]*"/, ` data-result="${resultId}"`)
    : head.replace(/>$/, ` data-result="${resultId}">`);
  const marker = '<div class="result">';
  const start = li.lastIndexOf(marker) + marker.length;
  const tail = "</div></details></li>";
  expect(li.endsWith(tail)).toBe(true);
  return head + li.slice(open.length, start) + inner + tail;
}
const resultOf = (li: string) => {
  const marker = '<div class="result">';
  return li.slice(li.lastIndexOf(marker) + marker.length, -"</div></details></li>".length);
};

/** The page's `#runs` as the script keeps it, one rule of `apply()` at a time. */
class PageModel {
  last: number;
  private sections: { run: number; rows: Row[] }[] = [];
  constructor(
    private readonly heads: ReadonlyMap<number, string>,
    last = 0,
  ) {
    this.last = last;
  }

  /** A `page` or `fragments` message: its fragments, then `last`. */
  receive(fragments: readonly TranscriptFragment[], last: number): void {
    for (const f of fragments) this.apply(f);
    this.last = Math.max(this.last, last);
  }

  private logOf(run: number): Row[] {
    let s = this.sections.find((x) => x.run === run);
    if (!s) {
      s = { run, rows: [] };
      const next = this.sections.findIndex((x) => x.run > run);
      this.sections.splice(next === -1 ? this.sections.length : next, 0, s);
    }
    return s.rows;
  }

  private findCall(callId: string): Call | undefined {
    for (const s of this.sections)
      for (const r of s.rows) {
        if (r.kind !== "group") continue;
        const c = r.calls.find((x) => x.callId === callId);
        if (c) return c;
      }
    return undefined;
  }

  apply(f: TranscriptFragment): void {
    if (f.id <= this.last) return;
    const log = this.logOf(f.run);
    if (f.op === "item") {
      log.push({ kind: "item", html: f.html });
    } else if (f.op === "call") {
      const callId = f.callId ?? "";
      expect(attr(f.html, "data-call")).toBe(escapeHtml(callId));
      const old = this.findCall(callId);
      if (old) {
        let li = f.html;
        if (/ data-result="/.test(old.html))
          li = setResult(li, resultOf(old.html), attr(old.html, "class"), attr(old.html, "data-result"));
        old.html = li;
      } else {
        let group = log.at(-1);
        if (group?.kind !== "group" || attr(group.alt, "data-kind") !== f.kind) {
          group = { kind: "group", alt: f.alt ?? "", calls: [] };
          log.push(group);
        }
        group.calls.push({ callId, html: f.html });
      }
    } else {
      const li = this.findCall(f.callId ?? "");
      if (li) li.html = setResult(li.html, f.html, `tool st-${f.state}`, String(f.id));
      else log.push({ kind: "item", html: f.alt ?? "" });
    }
  }

  /** `#runs`'s innerHTML, with each group relabelled as `relabel()` does. */
  html(): string {
    return this.sections
      .map(
        ({ run, rows }) =>
          `<section class="run" id="run-${run}" data-run="${run}"><h2 class="run-head">${this.heads.get(run) || `Run ${run}`}</h2><ol class="log">${rows.map(rowHtml).join("")}</ol></section>`,
      )
      .join("");
  }
}

function rowHtml(row: Row): string {
  if (row.kind === "item") return row.html;
  const n = row.calls.length;
  const label = `${attr(row.alt, "data-verb")} ${n.toLocaleString("en-US")} ${n === 1 ? attr(row.alt, "data-one") : attr(row.alt, "data-many")}`;
  const empty = '<ol class="calls"></ol></li>';
  expect(row.alt.endsWith(empty)).toBe(true);
  return row.alt
    .replace(/^<li class="group(?: many)?"/, `<li class="group${n > 1 ? " many" : ""}"`)
    .replace(/<span class="gtext">[^<]*<\/span>/, `<span class="gtext">${escapeHtml(label)}</span>`)
    .replace(empty, `<ol class="calls">${row.calls.map((c) => c.html).join("")}</ol></li>`);
}

/** One line per row, as in render-runs.test.ts: a readable diff before the byte-for-byte one. */
function outline(html: string): string[] {
  const re =
    /<section class="run" id="run-(\d+)"|<li class="group( many)?" data-kind="(\w+)"[^>]*><div class="glabel"><span[^>]*>[^<]*<\/span> <span class="gtext">([^<]*)<\/span>|<li class="tool st-(\w+)" data-call="([^"]*)" data-id="(\d+)"(?: data-result="(\d+)")?|<li class="ev ev-(\w+)" data-id="(\d+)"/g;
  return [...html.matchAll(re)].map((m) =>
    m[1] !== undefined
      ? `run ${m[1]}`
      : m[3] !== undefined
        ? `group ${m[3]} "${m[4]}"${m[2] ? " many" : ""}`
        : m[5] !== undefined
          ? `  call ${m[6]} #${m[7]} st-${m[5]}${m[8] ? ` r#${m[8]}` : ""}`
          : `ev ${m[9]} #${m[10]}`,
  );
}

const HEADS = new Map([
  [1, 'Run 1 <span class="muted">· Done</span>'],
  [2, 'Run 2 <span class="muted">· Working…</span>'],
]);

/**
 * `list` sent live in messages of the given sizes (a message's `last` covers quiet events too); with
 * `replay`, each message is preceded by the one before it again. A page loaded at any point is
 * the model at that point: the tests check every prefix, so live-after-load is covered too.
 */
function live(list: readonly SessionEvent[], sizes: readonly number[], replay = false): PageModel {
  const page = new PageModel(HEADS);
  let i = 0;
  let k = 0;
  let previous: TranscriptFragment[] = [];
  while (i < list.length) {
    const size = Math.max(1, sizes[k++ % sizes.length] ?? 1);
    const batch = list.slice(i, i + size);
    i += batch.length;
    const fragments = toFragments(batch);
    // A message sent again (a resumed socket that overlaps) changes nothing: ids at or below `last` are skipped.
    if (replay) page.receive(previous, page.last);
    page.receive(fragments, batch.at(-1)?.id ?? page.last);
    previous = fragments;
  }
  return page;
}

function expectSameLayout(list: readonly SessionEvent[], sizes: readonly number[] = [1], replay = false) {
  const server = renderRuns(list, HEADS);
  const page = live(list, sizes, replay).html();
  expect(outline(page)).toEqual(outline(server));
  expect(page).toBe(server);
}

/** Events of a log, numbered as the sandbox would. */
describe("toFragments", () => {
  it("gives one fragment per event the log shows, each valid by the protocol", () => {
    const list = stored([1, events()]);
    const fragments = toFragments(list);
    const shown = list.filter((x) => x.event.type !== "heartbeat" && x.event.type !== "step_finish");
    expect(fragments.map((f) => f.id)).toEqual(shown.map((x) => x.id));
    for (const f of fragments) expect(FragmentSchema.safeParse(f).success).toBe(true);
    expect(fragments.find((f) => f.op === "call")).toMatchObject({
      op: "call",
      callId: "toolu_01",
      kind: "write",
      state: "running",
    });
    expect(fragments.find((f) => f.op === "result")).toMatchObject({
      op: "result",
      callId: "toolu_01",
      state: "done",
    });
  });

  it("a call's fragment carries its row and the empty group to start; a result's, its output and a row of its own", () => {
    const b = builder();
    const [call, result] = toFragments(stored([1, [b.call("x", "read"), b.result("x", "hello", true)]]));
    expect(call?.alt).toBe(
      '<li class="group" data-kind="read" data-verb="Read" data-one="file" data-many="files"><div class="glabel"><span class="ico" aria-hidden="true">📄</span> <span class="gtext">Read 0 files</span></div><ol class="calls"></ol></li>',
    );
    expect(call?.html).toMatch(/^<li class="tool st-running" data-call="x" data-id="1"><details>/);
    expect(result?.state).toBe("error");
    expect(result?.html).toBe('<div class="label bad">Error</div><pre class="bad"><code>hello</code></pre>');
    expect(result?.alt).toMatch(/^<li class="ev ev-tool_result" data-id="2"><time /);
  });
});

describe("fragments applied by the page's rules ≡ the server's layout", () => {
  it("the scenario session, one event at a time and at every point in time", () => {
    const list = stored([1, events()]);
    for (let n = 0; n <= list.length; n++) expectSameLayout(list.slice(0, n));
  });

  it("two runs, sent in messages of several sizes", () => {
    const list = stored([1, events()], [2, events()]).map((x) =>
      // Run 2's calls are new calls: the sandbox numbers them afresh.
      x.run === 2 && (x.event.type === "tool_call" || x.event.type === "tool_result")
        ? {
            ...x,
            event: { ...x.event, data: { ...x.event.data, callId: `${x.event.data.callId}-2` } } as Event,
          }
        : x,
    );
    for (const sizes of [[1], [3], [5, 1, 2], [100]]) expectSameLayout(list, sizes);
  });

  it("groups, merges, re-emitted calls, orphan results and results across runs", () => {
    const list = tricky();
    expect(outline(renderRuns(list, HEADS))).toEqual([
      "run 1",
      "ev session_status #1",
      'group read "Read 3 files" many',
      "  call r1 #2 st-done r#5",
      "  call r2 #10 st-error r#9",
      "  call r3 #7 st-running",
      'group shell "Ran 1 command"',
      "  call s1 #11 st-error r#15",
      "ev tool_result #12",
      // s2 starts a new group after the orphan result row.
      'group shell "Ran 1 command"',
      "  call s2 #13 st-running",
      "ev assistant_text #16",
      'group shell "Ran 1 command"',
      "  call s3 #22 st-done",
      'group edit "Made 1 edit"',
      "  call e1 #18 st-running",
      'group shell "Ran 1 command"',
      "  call s4 #19 st-done r#21",
      "run 2",
      "ev session_status #20",
      'group shell "Ran 2 commands" many',
      "  call n1 #23 st-running",
      "  call n2 #24 st-done r#26",
    ]);
    for (let n = 0; n <= list.length; n++) expectSameLayout(list.slice(0, n));
    for (const sizes of [[2], [4, 1], [7], [3, 9, 1]]) {
      expectSameLayout(list, sizes);
      expectSameLayout(list, sizes, true);
    }
  });

  it("a page that starts at a window of the newest events, then goes live", () => {
    const list = tricky();
    for (let from = 0; from < list.length; from++) expectSameLayout(list.slice(from), [2, 1, 3]);
  });

  it("300 random logs, split into random messages, some sent twice", () => {
    const random = prng(20261124);
    for (let i = 0; i < 300; i++) {
      const list = randomLog(random, 10 + Math.floor(random() * 40));
      const sizes = Array.from({ length: 5 }, () => 1 + Math.floor(random() * 6));
      expectSameLayout(list, sizes, i % 2 === 1);
    }
  });
});
