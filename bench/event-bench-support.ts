/**
 * The pieces of bench/events.ts that are not the measures: the event mix, the sandbox host that
 * records spawn requests, transcript subscribers over `ws`, and the SQLite files' weight.
 */
import { readdir, stat } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { createAdaptorServer } from "@hono/node-server";
import WebSocket from "ws";
import type { EventInput, SandboxSpec } from "../src/core/wire.js";
import { sandboxHostApp } from "../src/sandbox/host/sandbox-host-app.js";

/** A realistic mix: the agent talks, runs a command, reads its output, ends a step. */
export function eventInput(i: number): EventInput {
  switch (i % 4) {
    case 0:
      return {
        type: "assistant_text",
        data: {
          text: `Step ${i}: I will run the test suite to see which assertion fails, then fix the date parsing.`,
        },
      };
    case 1:
      return {
        type: "tool_call",
        data: {
          callId: `call_${i}`,
          kind: "shell",
          name: "Bash",
          command: "npm test -- --reporter=dot",
          description: "Run the test suite",
          status: "running",
        },
      };
    case 2:
      return {
        type: "tool_result",
        data: {
          callId: `call_${i - 1}`,
          output: `> hello-world@1.0.0 test\n> node --test\n\n✔ greets (0.61ms)\n✖ parses dates (1.2ms)\n  AssertionError: expected 2026-11-24 to equal 2026-11-23\nℹ tests 2\nℹ pass 1\nℹ fail 1 (${i})`,
          isError: false,
        },
      };
    default:
      return { type: "step_finish", data: { tokens: { input: 1200 + i, output: 80 }, costUsd: 0.0021 } };
  }
}

export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

/** Sum of the sizes of the session objects' SQLite files (database and write-ahead log). */
export async function sqliteBytes(dir: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (/\.sqlite(-wal)?$/.test(entry.name) && p.includes("SessionDO")) total += (await stat(p)).size;
    }
  };
  await walk(dir);
  return total;
}

/** The sandbox host's routes, serving the spawn requests the control plane makes; records the specs. */
export async function startSpecRecorder(
  secret: string,
): Promise<{ url: string; specs: SandboxSpec[]; close(): Promise<void> }> {
  const specs: SandboxSpec[] = [];
  const sandboxes = new Map<string, { id: string; running: boolean; exitCode: number | null }>();
  const app = sandboxHostApp({
    secret,
    sandboxes,
    log: { info: () => {}, warn: () => {}, error: () => {} },
    async spawn(spec) {
      specs.push(spec);
      const sandbox = { id: `bench-${specs.length}`, running: true, exitCode: null };
      sandboxes.set(sandbox.id, sandbox);
      return sandbox;
    },
    async stop(sandbox) {
      sandbox.running = false;
    },
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    specs,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const RUN_KEY = Buffer.from('"run":');

/** Events in a message, without parsing it: each carries one `"run":`. */
function countOf(data: Buffer, key: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(key); i >= 0; i = data.indexOf(key, i + key.length)) n++;
  return n;
}

export type Subscriber = {
  ws: WebSocket;
  received: number;
  closed: boolean;
  onEvent?: (text: string, at: number) => void;
};

/** Fails a wait at once when a subscriber lost its socket instead of running out the clock. */
export function assertOpen(subs: readonly Subscriber[]): void {
  if (subs.some((s) => s.closed))
    throw new Error(
      "a subscriber's socket closed mid-measure: the control plane restarted (wrangler reloads the Worker when files under the project change)",
    );
}

export async function subscribe(url: string, parse: boolean): Promise<Subscriber> {
  const ws = new WebSocket(url);
  const sub: Subscriber = { ws, received: 0, closed: false };
  ws.once("close", () => {
    sub.closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no snapshot within 10 s")), 10_000);
    ws.once("error", reject);
    ws.on("message", (data: Buffer) => {
      const at = performance.now();
      const text = data.subarray(0, 20).toString();
      if (text.startsWith('{"type":"snapshot"')) {
        clearTimeout(timer);
        resolve();
        return;
      }
      if (!text.startsWith('{"type":"events"')) return;
      if (parse) sub.onEvent?.(data.toString(), at);
      else sub.received += countOf(data, RUN_KEY);
    });
    ws.once("open", () => ws.send(JSON.stringify({ type: "subscribe" })));
  });
  return sub;
}

/** Files the agent of agentEventInput works on, so the transcript's "files" facts have a few dozen. */
const AGENT_FILES = 37;

/**
 * A longer realistic mix, as the Claude Code adapter maps a working agent (src/sandbox/agents/
 * claude-code-stream.ts): it says what it will do, reads a file, searches, edits it, runs its test
 * and ends the step; every call is followed by its result. Paths and commands vary with `i`.
 */
export function agentEventInput(i: number): EventInput {
  const n = Math.floor(i / 10);
  const file = `src/lib/module-${n % AGENT_FILES}.ts`;
  const call = `toolu_${n}_${i % 10}`;
  const prev = `toolu_${n}_${(i % 10) - 1}`;
  switch (i % 10) {
    case 0:
      return {
        type: "assistant_text",
        data: {
          text: `Step ${n}: \`${file}\` parses the date with the local time zone, so the test fails near midnight. I'll read it, find the other callers, and make it use UTC.`,
        },
      };
    case 1:
      return {
        type: "tool_call",
        data: {
          callId: call,
          kind: "read",
          name: "Read",
          path: file,
          input: { file_path: `/workspace/repo/${file}` },
          status: "running",
        },
      };
    case 3:
      return {
        type: "tool_call",
        data: {
          callId: call,
          kind: "search",
          name: "Grep",
          path: "src",
          query: "parseDate\\(",
          input: { pattern: "parseDate\\(", path: "/workspace/repo/src" },
          status: "running",
        },
      };
    case 5:
      return {
        type: "tool_call",
        data: {
          callId: call,
          kind: "edit",
          name: "Edit",
          path: file,
          edits: [
            {
              before: "  const [y, m, d] = text.split('-').map(Number);\n  return new Date(y, m - 1, d);",
              after:
                "  const [y, m, d] = text.split('-').map(Number);\n  return new Date(Date.UTC(y, m - 1, d));",
            },
          ],
          added: 1,
          removed: 1,
          status: "running",
        },
      };
    case 7:
      return {
        type: "tool_call",
        data: {
          callId: call,
          kind: "shell",
          name: "Bash",
          command: `npm test -- ${file.replace(/\.ts$/, ".test.ts")}`,
          description: "Run the module's tests",
          input: {
            command: `npm test -- ${file.replace(/\.ts$/, ".test.ts")}`,
            description: "Run the module's tests",
          },
          status: "running",
        },
      };
    case 2:
      return {
        type: "tool_result",
        data: {
          callId: prev,
          output: `     1\texport function parseDate(text: string): Date {\n     2\t  const [y, m, d] = text.split('-').map(Number);\n     3\t  return new Date(y, m - 1, d);\n     4\t}\n     5\t\n     6\texport const formatDate = (d: Date) => d.toISOString().slice(0, 10);\n`,
          isError: false,
        },
      };
    case 4:
      return {
        type: "tool_result",
        data: {
          callId: prev,
          output: `src/lib/module-${n % AGENT_FILES}.ts:1:export function parseDate(text: string): Date {\nsrc/lib/calendar.ts:14:  const start = parseDate(range.from);\nsrc/lib/calendar.ts:15:  const end = parseDate(range.to);\n`,
          isError: false,
        },
      };
    case 6:
      return {
        type: "tool_result",
        data: { callId: prev, output: `The file /workspace/repo/${file} has been updated.`, isError: false },
      };
    case 8:
      return {
        type: "tool_result",
        data: {
          callId: prev,
          output: `> hello-world@1.0.0 test\n> node --test ${file.replace(/\.ts$/, ".test.ts")}\n\n✔ parses dates (0.8ms)\n✔ formats dates (0.2ms)\nℹ tests 2\nℹ pass 2\nℹ fail 0\nℹ duration_ms 41.2 (${i})`,
          isError: false,
        },
      };
    default:
      return { type: "step_finish", data: { tokens: { input: 8_000 + n, output: 240 }, costUsd: 0.0064 } };
  }
}
