/** Epoch milliseconds from the monotonic clock, the timestamp of every log entry and event. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
