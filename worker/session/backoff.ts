/** Exponential backoff for work the session's alarm retries: 1 s, 2 s, 4 s, … capped at one minute. */
export function backoffMs(failures: number): number {
  return Math.min(1000 * 2 ** Math.max(0, failures - 1), 60_000);
}
