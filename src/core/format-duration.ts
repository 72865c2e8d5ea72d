/** `42s`, `1m 05s`, `2h 03m`: short enough for a headline, stable in width while it ticks. */
export function formatDuration(ms: number): string {
  // Clock skew or a missing time must not show as a negative or NaN duration.
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${pad2(m)}m`;
  if (m > 0) return `${m}m ${pad2(s)}s`;
  return `${s}s`;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}
