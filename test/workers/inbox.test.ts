/**
 * The session's inbox in workerd: a delivery whose handling fails after its 👀 is answered in its
 * thread once it has failed for good, and never while it is only being tried again.
 */
import { describe, expect, it } from "vitest";
import { type AnswerPlace, TriggerFailed } from "../../src/github/trigger-failed.js";
import { MAX_INBOX_ATTEMPTS, runInbox, type WebhookRunner } from "../../worker/session/inbox.js";
import type { SessionDeps } from "../../worker/session/session-deps.js";
import { freshSession, inside } from "./session-harness.js";

const place: AnswerPlace = {
  installationId: 1,
  owner: "acme",
  repo: "widgets",
  number: 40,
  replyTo: { kind: "conversation" },
  login: "alice",
};

const notFound = () =>
  Object.assign(new Error("Not Found - https://docs.github.com/rest/pulls/pulls#get-a-pull-request"), {
    status: 404,
  });
/** As the request policy leaves a failure worth another try. */
const badGateway = () => Object.assign(new Error("Bad Gateway"), { status: 502, retryAfterMs: 1000 });

/** Probot hands the handler's error to the inbox wrapped, as it does. */
const failing =
  (error: () => unknown): WebhookRunner =>
  async () => {
    throw new AggregateError([error()], "handler failed");
  };

function enqueue(d: SessionDeps, id: string) {
  d.store.enqueue(
    { deliveryId: id, triggerKey: `comment:${id}`, name: "issue_comment", payload: {}, publicUrl: "" },
    d.now(),
  );
}

/** Lets the clock run past every retry's wait. */
function later(d: SessionDeps, ms: number) {
  const now = d.now() + ms;
  (d as { now: () => number }).now = () => now;
}

const stateOf = (d: SessionDeps, id: string) =>
  d.ctx.storage.sql
    .exec<{ state: string; attempts: number }>(`SELECT state, attempts FROM inbox WHERE delivery_id = ?`, id)
    .one();

describe("a trigger that fails after its 👀", () => {
  it("is answered once in its thread when the failure cannot go away (a 404)", async () => {
    await inside(freshSession(), async (d, r) => {
      enqueue(d, "d-404");
      await runInbox(
        d,
        failing(() => new TriggerFailed(place, notFound())),
      );
      expect(stateOf(d, "d-404")).toEqual({ state: "failed", attempts: 1 });
      const replies = r.github.filter((c) => c.method === "issues.createComment");
      expect(replies.map((c) => c.params)).toEqual([
        {
          owner: "acme",
          repo: "widgets",
          issue_number: 40,
          body: expect.stringMatching(/^@alice I could not start on this: GitHub answered 404 \(Not Found/),
        },
      ]);
    });
  });

  it("is not answered while GitHub fails for a while, and is once the retries are spent", async () => {
    await inside(freshSession(), async (d, r) => {
      enqueue(d, "d-502");
      for (let attempt = 1; attempt < MAX_INBOX_ATTEMPTS; attempt++) {
        await runInbox(
          d,
          failing(() => new TriggerFailed(place, badGateway())),
        );
        expect(stateOf(d, "d-502")).toEqual({ state: "pending", attempts: attempt });
        later(d, 120_000);
      }
      expect(r.github).toEqual([]);
      await runInbox(
        d,
        failing(() => new TriggerFailed(place, badGateway())),
      );
      expect(stateOf(d, "d-502").state).toBe("failed");
      expect(r.github.map((c) => c.params.body)).toEqual([
        `@alice I could not start on this: GitHub answered 502 (Bad Gateway) (tried ${MAX_INBOX_ATTEMPTS} times).`,
      ]);
    });
  });

  it("answers in the review thread the request was made in", async () => {
    await inside(freshSession(), async (d, r) => {
      enqueue(d, "d-review");
      const inThread = { ...place, replyTo: { kind: "review_thread" as const, commentId: 777 } };
      await runInbox(
        d,
        failing(() => new TriggerFailed(inThread, new Error("boom"))),
      );
      expect(r.github.map((c) => [c.method, c.params.comment_id, c.params.body])).toEqual([
        ["pulls.createReplyForReviewComment", 777, "@alice I could not start on this: boom."],
      ]);
    });
  });

  it("says nothing for a failure before the 👀 (the caller was never judged)", async () => {
    await inside(freshSession(), async (d, r) => {
      enqueue(d, "d-early");
      await runInbox(d, failing(notFound));
      expect(stateOf(d, "d-early").state).toBe("failed");
      expect(r.github).toEqual([]);
    });
  });
});
