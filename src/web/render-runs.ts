/**
 * The log of a transcript page: one section per run, each an ordered list of rows. Consecutive tool
 * calls of one kind share a group row; a call's result goes into the call's row; a call emitted
 * again under the same id replaces its row in place and keeps the result. The page's script
 * (transcript-client.ts) applies live fragments by exactly these rules.
 */
import { escapeHtml as e } from "../core/escape-html.js";
import type { SessionEvent } from "../core/session-event.js";
import type { ToolCall, ToolKind } from "../core/wire.js";
import {
  type CallState,
  callState,
  isQuiet,
  renderCallRow,
  renderEventRow,
  renderGroupRow,
  renderResult,
  renderResultRow,
} from "./render-event.js";

type CallRow = {
  id: number;
  at: string;
  call: ToolCall;
  state: CallState;
  result: { id: number; html: string } | null;
};
type Row = { kind: "html"; html: string } | { kind: "group"; tool: ToolKind; calls: CallRow[] };

/**
 * `heads`: the heading of each run by number (render-page-parts.ts); a run without one is "Run N".
 * `results`: tool results stored after `events`, so a call near the end of an older page still
 * shows how it went.
 */
export function renderRuns(
  events: readonly SessionEvent[],
  heads: ReadonlyMap<number, string>,
  results: readonly SessionEvent[] = [],
): string {
  const runs = new Map<number, Row[]>();
  const calls = new Map<string, CallRow>();
  for (const { id, run, event } of events) {
    if (isQuiet(event)) continue;
    let rows = runs.get(run);
    if (!rows) {
      rows = [];
      runs.set(run, rows);
    }
    if (event.type === "tool_call") {
      const known = calls.get(event.data.callId);
      if (known) {
        known.id = id;
        known.at = event.at;
        known.call = event.data;
        if (known.result === null) known.state = callState(event.data);
        continue;
      }
      const row: CallRow = { id, at: event.at, call: event.data, state: callState(event.data), result: null };
      calls.set(event.data.callId, row);
      const last = rows.at(-1);
      if (last?.kind === "group" && last.tool === event.data.kind) last.calls.push(row);
      else rows.push({ kind: "group", tool: event.data.kind, calls: [row] });
    } else if (event.type === "tool_result") {
      const known = calls.get(event.data.callId);
      if (known) {
        known.result = { id, html: renderResult(event.data) };
        known.state = event.data.isError ? "error" : "done";
      } else rows.push({ kind: "html", html: renderResultRow(id, event) });
    } else rows.push({ kind: "html", html: renderEventRow(id, event) });
  }
  for (const { id, event } of results) {
    if (event.type !== "tool_result") continue;
    const known = calls.get(event.data.callId);
    if (known && known.result === null) {
      known.result = { id, html: renderResult(event.data) };
      known.state = event.data.isError ? "error" : "done";
    }
  }
  return [...runs.entries()]
    .sort(([a], [b]) => a - b)
    .map(([run, rows]) => renderSection(run, rows, heads.get(run)))
    .join("");
}

/** A run's section; the page's script creates the same shell for a run it has not seen. */
export function renderSection(run: number, rows: readonly Row[], head: string | undefined): string {
  const html = rows.map((r) =>
    r.kind === "html"
      ? r.html
      : renderGroupRow(
          r.tool,
          r.calls.map((c) => renderCallRow(c.id, c.at, c.call, c.state, c.result)),
        ),
  );
  return `<section class="run" id="run-${run}" data-run="${run}"><h2 class="run-head">${head ?? `Run ${e(String(run))}`}</h2><ol class="log">${html.join("")}</ol></section>`;
}
