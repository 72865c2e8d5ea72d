/**
 * The shape of every fault case: N sessions, each on its own issue of one stack, triggered at once;
 * wait (bounded) until each status comment is final; check each session; record the counts; assert.
 */
import { expect } from "vitest";
import type { Stack } from "../../../src/demo/start-stack.js";
import { TASK } from "./chaos-scripts.js";
import {
  type Expectation,
  isTerminalHeader,
  type ProblemKind,
  type SessionOutcome,
  statusHeader,
  type Trigger,
} from "./check-session.js";
import { type CaseResult, recordCase } from "./record-case.js";

export type Delivered = Trigger & { status: number; at: number };

/** Opens `count` issues and comments the task on each, all deliveries at once. */
export async function triggerSessions(stack: Stack, count: number, task = TASK): Promise<Delivered[]> {
  const issues = Array.from({ length: count }, (_, i) =>
    stack.createIssue(
      `Document how to run the tests (${i + 1})`,
      "New contributors keep asking how to run the test suite.",
    ),
  );
  return Promise.all(
    issues.map(async (issueNumber) => {
      const { response, commentId, receivedAt } = await stack.comment(task, { issueNumber });
      await response.text();
      return { issueNumber, commentId, status: response.status, at: receivedAt };
    }),
  );
}

/**
 * Polls until every session's status comment is final, or `timeoutMs` has passed (no throw: a
 * session still working then is reported as lost). Returns when each became final, in ms after `since`.
 */
export async function waitForFinalComments(
  stack: Stack,
  triggers: readonly Trigger[],
  timeoutMs: number,
  since = performance.now(),
): Promise<Map<number, number>> {
  const finalAt = new Map<number, number>();
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline && finalAt.size < triggers.length) {
    for (const t of triggers) {
      if (!finalAt.has(t.issueNumber) && isTerminalHeader(statusHeader(stack, t.issueNumber))) {
        finalAt.set(t.issueNumber, performance.now() - since);
      }
    }
    if (finalAt.size < triggers.length) await new Promise((r) => setTimeout(r, 200));
  }
  return finalAt;
}

/** Waits (bounded) until `probe` holds; false on timeout. */
export async function until(probe: () => boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (probe()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return probe();
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** How many sessions got their final comment, and the median and max of the times to it. */
export function describeFinalTimes(finalAt: Map<number, number>, total: number): string {
  const xs = [...finalAt.values()].sort((a, b) => a - b);
  const got = xs.length === total ? `all ${total} final comments` : `${xs.length} of ${total} final comments`;
  if (xs.length === 0) return `none of ${total} final comments`;
  return `${got} after ${seconds(xs[Math.floor(xs.length / 2)]!)} median, ${seconds(xs.at(-1)!)} max (from the first delivery)`;
}

/**
 * Counts, records and asserts a case. A session survives when every check passed; it counts as lost
 * or let in when any of its problems is of that kind. The record is written before the assertion, so
 * the report shows a failing case with its real counts.
 */
export function finishCase(o: {
  group: CaseResult["group"];
  name: string;
  outcomes: readonly SessionOutcome[];
  notes?: string;
}): void {
  const has = (x: SessionOutcome, kind: ProblemKind) => x.problems.some((p) => p.kind === kind);
  const tried = o.outcomes.length;
  const survived = o.outcomes.filter((x) => x.problems.length === 0).length;
  const lost = o.outcomes.filter((x) => has(x, "lost")).length;
  const letIn = o.outcomes.filter((x) => has(x, "letIn")).length;
  const counts = new Map<string, number>();
  for (const x of o.outcomes) {
    for (const p of new Set(x.problems.map((q) => `${q.kind === "other" ? "" : `${q.kind}: `}${q.what}`))) {
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
  }
  const problemNote = [...counts].map(([what, n]) => `${n}× ${what}`).join("; ");
  const notes = [o.notes, problemNote && `Problems: ${problemNote}`].filter(Boolean).join(". ");
  recordCase({ group: o.group, name: o.name, tried, survived, lost, letIn, ...(notes ? { notes } : {}) });
  const problems = o.outcomes.flatMap((x) => x.problems.map((p) => `#${x.issueNumber} ${p.kind}: ${p.what}`));
  expect({ problems, lost, letIn, survived }).toEqual({ problems: [], lost: 0, letIn: 0, survived: tried });
}

export type { Expectation };
