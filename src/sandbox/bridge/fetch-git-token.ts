/**
 * Asks the control plane for a short-lived GitHub token, right before each clone and while the push's
 * commit is made, so the sandbox never holds one for longer than a git command needs it.
 *
 * The control plane may be away for a few seconds (a deploy, a workerd restart): a refused
 * connection, a 5xx or a 429 is asked again with backoff until `giveUpAfterMs`, the same window the
 * event stream keeps reconnecting for. A 4xx other than 429 (revoked, session over) ends at once.
 */
import { setTimeout as wait } from "node:timers/promises";
import { redact } from "../../core/redact.js";
import { GitTokenResponse } from "../../core/wire.js";

export type FetchGitTokenOptions = {
  controlUrl: string;
  sessionId: string;
  /** The sandbox token. */
  sandboxToken: string;
  /** How long retryable failures are asked again for, from the first attempt (default 60 s). */
  giveUpAfterMs?: number;
  /** One attempt's limit. */
  timeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Ends the waiting early (the run was stopped). */
  signal?: AbortSignal;
};

export async function fetchGitToken(opts: FetchGitTokenOptions): Promise<GitTokenResponse> {
  const url = `${opts.controlUrl.replace(/\/+$/, "")}/sessions/${encodeURIComponent(opts.sessionId)}/sandbox/git-token`;
  const giveUpAfterMs = opts.giveUpAfterMs ?? 60_000;
  const backoffInitialMs = opts.backoffInitialMs ?? 250;
  const backoffMaxMs = opts.backoffMaxMs ?? 5_000;
  const startedAt = Date.now();
  let lastError = "";
  let attempts = 0;
  // Bounded by the give-up deadline (each attempt also has its own timeout).
  for (;;) {
    attempts += 1;
    let retryable = true;
    try {
      const signals = [AbortSignal.timeout(opts.timeoutMs ?? 15_000)];
      if (opts.signal) signals.push(opts.signal);
      const res = await fetch(url, {
        method: "POST",
        headers: { Authorization: `Bearer ${opts.sandboxToken}` },
        signal: AbortSignal.any(signals),
      });
      const text = await res.text();
      if (res.ok) {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        const parsed = GitTokenResponse.safeParse(body);
        if (parsed.success) return parsed.data;
        lastError = "the answer is not a git token response";
        retryable = false;
      } else {
        lastError = `HTTP ${res.status}: ${redact(text.slice(0, 300), [opts.sandboxToken])}`;
        // 4xx means this sandbox may not have a token (revoked, session over); asking again won't help.
        retryable = res.status >= 500 || res.status === 429;
      }
    } catch (err) {
      lastError = describe(err);
    }
    const failingFor = Date.now() - startedAt;
    if (!retryable || opts.signal?.aborted || failingFor >= giveUpAfterMs) break;
    const backoff = Math.min(backoffMaxMs, backoffInitialMs * 2 ** (attempts - 1));
    // Jitter spreads the sandboxes that all ask at once after a restart; the last wait ends on the deadline.
    const delay = Math.min(backoff * (0.5 + Math.random() / 2), giveUpAfterMs - failingFor);
    await wait(delay, undefined, { signal: opts.signal }).catch(() => undefined);
    if (opts.signal?.aborted) break;
  }
  const over = opts.signal?.aborted ? "; the run was stopped" : "";
  throw new Error(
    `could not get a git token from the control plane after ${attempts} attempt${attempts === 1 ? "" : "s"}${over}: ${lastError}`,
  );
}

/** The failure as git users read it: fetch's "fetch failed" says nothing without its cause. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
  return `${err.message}${cause}`;
}
