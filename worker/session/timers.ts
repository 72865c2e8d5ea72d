/**
 * One alarm per Durable Object, re-set to the earliest due row of the timers table. Named timers:
 * `comment` (coalesced or retried status-comment write), `connect` (a spawned sandbox never
 * connected), `silence` (a connected sandbox went quiet), `deadline` (run cap), `stop` (a stopped
 * sandbox did not save its work in time), `inbox` (deliveries to process or retry), `finish` (opening
 * the PR, retried). Rows outlive the process: a restarted control plane fires them from storage.
 */
import type { SessionDeps } from "./session-deps.js";

export type TimerName = "comment" | "connect" | "silence" | "deadline" | "stop" | "inbox" | "finish";

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

/** Removes and returns the timers that are due; the caller runs them, then calls syncAlarm. */
export function takeDueTimers(d: SessionDeps): TimerName[] {
  const now = d.now();
  const due = d.store.timers().filter((t) => t.due <= now);
  for (const t of due) d.store.clearTimer(t.name);
  return due.map((t) => t.name as TimerName);
}
