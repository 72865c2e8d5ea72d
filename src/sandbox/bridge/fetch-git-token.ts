/**
 * Asks the control plane for a short-lived GitHub token, right before each clone and push, so the
 * sandbox never holds one for longer than a git command needs it.
 */
import { redact } from "../../core/redact.js";
import { GitTokenResponse } from "../../core/wire.js";

export type FetchGitTokenOptions = {
  controlUrl: string;
  sessionId: string;
  /** The sandbox token. */
  sandboxToken: string;
  attempts?: number;
  timeoutMs?: number;
  retryDelayMs?: number;
};

export async function fetchGitToken(opts: FetchGitTokenOptions): Promise<GitTokenResponse> {
  const url = `${opts.controlUrl.replace(/\/+$/, "")}/sessions/${encodeURIComponent(opts.sessionId)}/sandbox/git-token`;
  const attempts = opts.attempts ?? 3;
  let lastError = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let retryable = true;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { Authorization: `Bearer ${opts.sandboxToken}` },
        signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
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
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (!retryable) break;
    if (attempt < attempts)
      await new Promise((r) => setTimeout(r, (opts.retryDelayMs ?? 500) * 2 ** (attempt - 1)));
  }
  throw new Error(`could not get a git token from the control plane: ${lastError}`);
}
