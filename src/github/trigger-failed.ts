/**
 * A trigger that failed after its 👀: the person was told "seen", so silence would leave them
 * waiting. acceptTrigger wraps what fails after the reaction in this, with where to answer and who
 * asked; the session's inbox (worker/session/inbox.ts), which alone knows whether the delivery will
 * be tried again, answers once when it has failed for good (startFailedText). The cause's
 * `retryAfterMs` is kept, so the inbox retries or gives up exactly as it would for the cause.
 */
import type { StartSessionRequest } from "../core/start-session-request.js";
import { retryAfterOf } from "./request-policy.js";

export type AnswerPlace = {
  installationId: number;
  owner: string;
  repo: string;
  number: number;
  replyTo: StartSessionRequest["replyTo"];
  /** Who asked: the answer names them. */
  login: string;
};

export class TriggerFailed extends Error {
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly place: AnswerPlace,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "TriggerFailed";
    this.retryAfterMs = retryAfterOf(cause);
  }
}
