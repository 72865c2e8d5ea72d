/** GitHub's timestamp format: ISO 8601 in UTC, whole seconds ("2019-05-15T15:20:21Z"). */
export function isoTime(ms: number): string {
  return new Date(Math.floor(ms)).toISOString().replace(/\.\d{3}Z$/, "Z");
}
