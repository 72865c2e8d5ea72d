/**
 * `02:14 UTC`: a time every reader converts the same way, unlike "3 minutes ago", which is only
 * true at the moment it was written. The date is added when it is not the day of `reference` (the
 * render, or the run's end): GitHub dates the comment itself, so on that day the time is enough.
 */
export function formatUtcTime(iso: string, reference: Date): string | undefined {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return undefined;
  const at = new Date(t).toISOString();
  const today = Number.isNaN(reference.getTime()) ? undefined : reference.toISOString().slice(0, 10);
  return `${at.slice(0, 10) === today ? "" : `${at.slice(0, 10)} `}${at.slice(11, 16)} UTC`;
}
