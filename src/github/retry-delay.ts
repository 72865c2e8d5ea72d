/**
 * How long to wait before trying a failed GitHub request again, or null when trying again cannot help.
 * Follows GitHub's documented rules for rate limits
 * (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api):
 * - `retry-after` (seconds) on a 403/429 is the wait;
 * - `x-ratelimit-remaining: 0` means wait until `x-ratelimit-reset` (epoch seconds);
 * - a secondary rate limit without either header: wait at least one minute;
 * - 5xx and network failures (no status) are transient: exponential backoff.
 * Everything else (401, a plain 403 permission error, 404, 422, …) is an answer, not a failure.
 */
export type GitHubFailure = {
  /** HTTP status; undefined for a request that never got an answer. */
  status?: number;
  headers?: Record<string, string | number | undefined>;
  message?: string;
};

/** First backoff step for transient failures; doubled per attempt up to {@link MAX_BACKOFF_MS}. */
const BASE_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
const SECONDARY_LIMIT_DEFAULT_MS = 60_000;

export function retryDelay(failure: GitHubFailure, attempt: number, now: number): number | null {
  const status = failure.status;
  if (status === 403 || status === 429) {
    const header = (name: string) => {
      const v = failure.headers?.[name];
      return v === undefined ? undefined : String(v);
    };
    const retryAfter = Number(header("retry-after"));
    if (header("retry-after") !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0)
      return Math.max(retryAfter * 1000, 0);
    const reset = Number(header("x-ratelimit-reset"));
    if (header("x-ratelimit-remaining") === "0" && Number.isFinite(reset))
      return Math.max(reset * 1000 - now, 0) + 1000;
    if (status === 429 || /secondary rate limit|abuse detection/i.test(failure.message ?? ""))
      return SECONDARY_LIMIT_DEFAULT_MS;
    return null;
  }
  // Octokit reports a request that got no answer (connection refused, reset) as status 500.
  if (status === undefined || status >= 500)
    return Math.min(BASE_BACKOFF_MS * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);
  return null;
}
