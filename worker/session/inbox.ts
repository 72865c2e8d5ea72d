/**
 * Deliveries the Worker accepted for this session, processed here rather than in the webhook's
 * request: the Worker answers GitHub once a delivery is stored, and what follows (permission check,
 * 👀, status comment, sandbox) runs in the Durable Object, where a failure is retried from the alarm
 * instead of being lost with a request context. A delivery whose handling fails is tried again with
 * backoff (honouring GitHub's retry-after) up to MAX_INBOX_ATTEMPTS times; the handlers it runs are
 * idempotent per delivery (startRun, reactions) so a retry never starts a second run. A trigger
 * that fails for good after its 👀 is answered in its thread, once (src/github/trigger-failed.ts).
 */
import { startFailedText } from "../../src/github/answer-texts.js";
import { retryAfterOf } from "../../src/github/request-policy.js";
import { TriggerFailed } from "../../src/github/trigger-failed.js";
import { backoffMs } from "./backoff.js";
import { reply } from "./reply.js";
import type { SessionDeps } from "./session-deps.js";
import type { InboxInput } from "./store.js";
import { clearTimers, setTimer } from "./timers.js";

export const MAX_INBOX_ATTEMPTS = 8;

/**
 * The Worker asks for the handling right after storing (SessionDO.process, in its waitUntil); if that
 * call is lost (the Worker's request cancelled, the object evicted mid-way), the alarm picks it up.
 */
const SAFETY_DELAY_MS = 15_000;

export type ReceiveOutcome = "queued" | "duplicate";

export type WebhookRunner = (event: { id: string; name: string; payload: unknown }) => Promise<void>;

/**
 * Stores a delivery (deduplicated by delivery id and by trigger). The handling is not started from
 * here: work a Durable Object leaves running after the request that started it has returned waits
 * for the object's next event in workerd (its timers and I/O were seen to stall for seconds), so it
 * runs in a request of its own (SessionDO.process) or in the alarm.
 */
export async function receiveDelivery(d: SessionDeps, input: InboxInput): Promise<ReceiveOutcome> {
  if (!d.store.enqueue(input, d.now())) return "duplicate";
  await setTimer(d, "inbox", d.now() + SAFETY_DELAY_MS);
  return "queued";
}

/** Runs every due delivery through `run` (the Probot app), one at a time, then re-arms the timer. */
export async function runInbox(d: SessionDeps, run: WebhookRunner): Promise<void> {
  // Bounded: each pass settles every row it took, so a row is taken at most once per pass.
  for (let pass = 0; pass < 100; pass++) {
    const due = d.store.dueInbox(d.now());
    if (due.length === 0) break;
    for (const row of due) {
      try {
        await run({ id: row.deliveryId, name: row.name, payload: row.payload });
        d.store.settleInbox(row.deliveryId, { state: "done" }, null);
      } catch (error) {
        const cause = firstCause(error);
        const attempts = row.attempts + 1;
        const message = cause instanceof Error ? cause.message : String(cause);
        // Only GitHub failing for a while is worth another try (see retryAfterOf); anything else
        // (a 404 or 422 answer, a payload the handler cannot read) fails the same way every time.
        const retryAfter = retryAfterOf(cause);
        if (attempts >= MAX_INBOX_ATTEMPTS || retryAfter === undefined) {
          d.log("delivery failed for good", { delivery: row.deliveryId, attempts, error: message });
          d.store.settleInbox(row.deliveryId, { state: "failed" }, message);
          // After its 👀 the person waits for an answer: one, now that no retry will come.
          if (cause instanceof TriggerFailed) await answerFailure(d, cause, attempts);
        } else {
          const wait = Math.max(retryAfter, backoffMs(attempts));
          d.log("delivery failed; retrying from the alarm", {
            delivery: row.deliveryId,
            attempts,
            waitMs: wait,
            error: message,
          });
          d.store.settleInbox(row.deliveryId, { state: "pending", nextAt: d.now() + wait }, message);
        }
      }
    }
  }
  const next = d.store.nextInboxAt();
  if (next === null) await clearTimers(d, "inbox");
  else await setTimer(d, "inbox", next);
}

async function answerFailure(d: SessionDeps, failed: TriggerFailed, attempts: number): Promise<void> {
  const p = failed.place;
  await reply(
    d,
    {
      installationId: p.installationId,
      repo: { owner: p.owner, name: p.repo },
      issue: { number: p.number },
      replyTo: p.replyTo,
    },
    startFailedText(p.login, failed.cause, attempts),
  );
}

/** Probot rethrows a handler's errors wrapped in an AggregateError; the first one says why. */
function firstCause(error: unknown): unknown {
  const errors = (error as { errors?: unknown[] } | undefined)?.errors;
  return Array.isArray(errors) && errors.length > 0 ? errors[0] : error;
}
