/**
 * Stored events → the live fragments the transcript page appends (protocol:
 * src/core/subscriber-protocol.ts). Each fragment is rendered by the same row renderers as the
 * server's page (render-event.ts), and the page's script puts it where render-runs.ts would have:
 * the browser test checks that a page built live reads the same as the page loaded afresh.
 */
import type { SessionEvent } from "../core/session-event.js";
import type { TranscriptFragment } from "../core/subscriber-protocol.js";
import {
  callState,
  isQuiet,
  renderCallRow,
  renderEventRow,
  renderGroupRow,
  renderResult,
  renderResultRow,
} from "./render-event.js";

/** Fragments of `events`, in order; quiet events (heartbeats, usage) have none. */
export function toFragments(events: readonly SessionEvent[]): TranscriptFragment[] {
  const out: TranscriptFragment[] = [];
  for (const { id, run, event } of events) {
    if (isQuiet(event)) continue;
    if (event.type === "tool_call") {
      const call = event.data;
      out.push({
        id,
        run,
        op: "call",
        callId: call.callId,
        kind: call.kind,
        state: callState(call),
        alt: renderGroupRow(call.kind, []),
        html: renderCallRow(id, event.at, call, callState(call), null),
      });
    } else if (event.type === "tool_result") {
      out.push({
        id,
        run,
        op: "result",
        callId: event.data.callId,
        state: event.data.isError ? "error" : "done",
        alt: renderResultRow(id, event),
        html: renderResult(event.data),
      });
    } else out.push({ id, run, op: "item", html: renderEventRow(id, event) });
  }
  return out;
}
