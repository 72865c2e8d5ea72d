/**
 * An Octokit plugin: every request the bot makes to GitHub goes through here.
 * - What the bot writes (`body` and `title` of a POST, PATCH or PUT) is redacted first, so a token a
 *   user pasted into a task, or one an agent printed, never reaches GitHub from us.
 * - Failures GitHub asks us to retry (5xx, no answer, secondary rate limits) are retried in place
 *   while the wait is short; a longer wait is left to the caller (the session's alarm), with the
 *   wait attached to the error as `retryAfterMs`, so no request holds a Durable Object for minutes.
 * It replaces Probot's throttling and retry plugins, whose queues are module-level state shared by
 * every request of an isolate (see worker/session/github-clients.ts).
 */
import type { Octokit } from "@octokit/core";
import { redact } from "../core/redact.js";
import { type GitHubFailure, retryDelay } from "./retry-delay.js";

export type RequestPolicyOptions = {
  /** Attempts per request, the first included. */
  maxAttempts?: number;
  /** The longest single wait spent in place; a longer one is handed back to the caller. */
  maxInlineWaitMs?: number;
  /** The longest total time spent on one request, waits included. */
  budgetMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

/** An error from GitHub, with how long to wait before the next try when that is known. */
export type RetryableFailure = Error & GitHubFailure & { retryAfterMs?: number };

const WRITE_METHODS = new Set(["POST", "PATCH", "PUT"]);

export function requestPolicy(opts: RequestPolicyOptions = {}) {
  const maxAttempts = opts.maxAttempts ?? 4;
  const maxInlineWaitMs = opts.maxInlineWaitMs ?? 10_000;
  const budgetMs = opts.budgetMs ?? 30_000;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  return (octokit: Octokit): void => {
    octokit.hook.wrap("request", async (request, options) => {
      // before-after-hook binds one options object to every layer, so it is changed in place.
      redactWrite(options as unknown as Record<string, unknown>);
      const started = now();
      for (let attempt = 1; ; attempt++) {
        try {
          return await request(options);
        } catch (error) {
          const failure = asFailure(error);
          const wait = retryDelay(failure, attempt, now());
          if (wait === null) throw error;
          const tooLong =
            attempt >= maxAttempts || wait > maxInlineWaitMs || now() - started + wait > budgetMs;
          if (tooLong) {
            (error as RetryableFailure).retryAfterMs = wait;
            throw error;
          }
          await sleep(wait);
        }
      }
    });
  };
}

function redactWrite(options: Record<string, unknown>): void {
  if (!WRITE_METHODS.has(String(options.method ?? "GET").toUpperCase())) return;
  for (const key of ["body", "title"] as const) {
    const value = options[key];
    if (typeof value === "string") options[key] = redact(value);
  }
}

/** Octokit's RequestError carries status and response headers; anything else got no answer. */
function asFailure(error: unknown): GitHubFailure {
  const e = error as { status?: unknown; response?: { headers?: Record<string, string> }; message?: unknown };
  return {
    status: typeof e.status === "number" ? e.status : undefined,
    headers: e.response?.headers,
    message: typeof e.message === "string" ? e.message : undefined,
  };
}

/**
 * How long to wait before trying again a request the policy gave up on in place; undefined when
 * trying again cannot help (an answer such as 404 or 422, or an error that did not come from GitHub).
 * Callers that retry from an alarm decide with this alone.
 */
export function retryAfterOf(error: unknown): number | undefined {
  const ms = (error as RetryableFailure | undefined)?.retryAfterMs;
  return typeof ms === "number" ? ms : undefined;
}
