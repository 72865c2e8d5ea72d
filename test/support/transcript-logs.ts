/**
 * Transcript logs for the layout tests (src/web/transcript-fragments.test.ts) and the real page
 * script in a browser (test/browser/transcript-client.test.ts): every tricky case of grouping,
 * merging and re-emitted calls in one log, and seeded random logs.
 */
import type { SessionEvent } from "../../src/core/session-event.js";
import type { Event, ToolCall, ToolKind } from "../../src/core/wire.js";
import { at, stored } from "./session-scenario.js";

export function builder() {
  let seq = 0;
  const ev = <T extends Event["type"]>(type: T, data: Extract<Event, { type: T }>["data"]): Event =>
    ({ seq: ++seq, at: at(seq), type, data }) as Event;
  return {
    call: (callId: string, kind: ToolKind, more: Partial<ToolCall> = {}) =>
      ev("tool_call", { callId, kind, name: kind, status: "running", path: `${callId}.ts`, ...more }),
    result: (callId: string, output = `out of ${callId}`, isError = false) =>
      ev("tool_result", { callId, output, isError }),
    text: (text: string) => ev("assistant_text", { text }),
    heartbeat: () => ev("heartbeat", {}),
    step: () => ev("step_finish", { tokens: { input: 1, output: 1 }, costUsd: 0 }),
    status: (status: "running" | "completed") => ev("session_status", { status }),
  };
}

/** Every tricky case of the layout in one log over two runs. */
export function tricky(): SessionEvent[] {
  const b = builder();
  const run1: Event[] = [
    b.status("running"),
    b.call("r1", "read"),
    b.heartbeat(),
    b.call("r2", "read"),
    b.result("r1"),
    b.step(),
    b.call("r3", "read"),
    b.call("r2", "read", { path: "r2-final.ts", status: "completed" }),
    b.result("r2", "boom", true),
    b.call("r2", "read", { path: "r2-again.ts", status: "running" }),
    b.call("s1", "shell", { command: "npm test" }),
    b.result("nobody", "a result without its call"),
    b.call("s2", "shell", { command: "npm run lint" }),
    b.result("s1", "first"),
    b.result("s1", "second", true),
    b.text("Between groups."),
    b.call("s3", "shell", { command: "ls" }),
    b.call("e1", "edit", { edits: [{ before: "a", after: "b" }] }),
    b.call("s4", "shell", { command: "pwd" }),
  ];
  const run2: Event[] = [
    b.status("running"),
    // The result of a call from run 1, and that call emitted again, from run 2.
    b.result("s4", "late"),
    b.call("s3", "shell", { command: "ls -la", status: "completed" }),
    b.call("n1", "shell", { command: "echo run 2" }),
    b.call("n2", "shell", { command: "echo again" }),
    b.heartbeat(),
    b.result("n2"),
  ];
  return stored([1, run1], [2, run2]);
}

/** A small deterministic PRNG: the same cases on every run. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomLog(random: () => number, length: number): SessionEvent[] {
  const b = builder();
  const kinds: ToolKind[] = ["read", "shell", "edit"];
  const ids = ["a", "b", "c", "d", "e", "f", "g"];
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
  const out: SessionEvent[] = [];
  let run = 1;
  for (let id = 1; id <= length; id++) {
    const r = random();
    let event: Event;
    if (r < 0.4)
      event = b.call(pick(ids), pick(kinds), { status: pick(["running", "running", "completed", "error"]) });
    else if (r < 0.65) event = b.result(pick([...ids, "zz"]), `o${id}`, random() < 0.3);
    else if (r < 0.75) event = b.text(`t${id}`);
    else if (r < 0.85) event = b.heartbeat();
    else if (r < 0.95) event = b.step();
    else {
      run++;
      event = b.status("running");
    }
    out.push({ id, run, event });
  }
  return out;
}
