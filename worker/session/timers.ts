/**
 * One alarm per Durable Object, re-set to the earliest due row of the timers table. Named timers:
 * `comment` (coalesced or retried status-comment write), `connect` (a spawned sandbox never
 * connected), `silence` (a connected sandbox went quiet), `deadline` (run cap), `stop` (a stopped
 * sandbox did not save its work in time), `inbox` (deliveries to process or retry), `finish` (opening
 * the PR, retried, and a guard while it is opened), `next` (start the next queued run), `link` (link
 * the PR to the session, retried). Rows outlive the process: a restarted control plane fires them
 * from storage, and a row is removed only once its handler has run (see takeDueTimers).
 */
import type { SessionDeps } from "./session-deps.js";

export type TimerName =
  | "comment"
  | "connect"
  | "silence"
  | "deadline"
  | "stop"
  | "inbox"
  | "finish"
  | "next"
  | "link";

export async function setTimer(d: SessionDeps, name: TimerName, due: number): Promise<void> {
  d.store.setTimer(name, due);
  await syncAlarm(d);
}

export async function clearTimers(d: SessionDeps, ...names: TimerName[]): Promise<void> {
  for (const n of names) d.store.clearTimer(n);
  await syncAlarm(d);
}

export async function syncAlarm(d: SessionDeps): Promise<void> {
  const next = d.store.timers()[0];
  if (next) await d.ctx.storage.setAlarm(next.due);
  else await d.ctx.storage.deleteAlarm();
}

/**
 * The timers that are due. A `comment` row is removed at once (an edit asked for meanwhile must set
 * a new one); every other row stays until `settleTimers` after its handler ran, so a reset in the
 * middle of one leaves it due and the platform's retry of the alarm runs it again.
 */
export function takeDueTimers(d: SessionDeps): { name: TimerName; due: number }[] {
  const now = d.now();
  const due = d.store.timers().filter((t) => t.due <= now);
  for (const t of due) if (t.name === "comment") d.store.clearTimer(t.name);
  return due.map((t) => ({ name: t.name as TimerName, due: t.due }));
}

/** Removes the rows of handled timers that their handlers did not set again. */
export function settleTimers(d: SessionDeps, handled: readonly { name: TimerName; due: number }[]): void {
  for (const t of handled) d.store.clearTimerIfDue(t.name, t.due);
}
