/**
 * What every abuse case gets: the one stack of the file, what it has seen so far (runs, sandbox specs,
 * host log lines), and webhook deliveries made by hand.
 */
import { createHmac, randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { ModelScript } from "../../../src/demo/model-server.js";
import type { Stack } from "../../../src/demo/start-stack.js";
import { type CaseResult, recordCase } from "../support/record-case.js";
import type { FinishedRun } from "./harness.js";
import { postRaw, type RawAnswer } from "./raw-http.js";

/** The part of a sandbox spec the endpoint cases need: whose token it is. */
export type SpecSeen = { sessionId: string; run: number; token: string };

export type DeliverOptions = {
  /** X-GitHub-Event; issue_comment unless said. */
  event?: string;
  /** X-GitHub-Delivery; a fresh UUID unless said. */
  id?: string;
  /** X-Hub-Signature-256: the right one unless said; null leaves the header out. */
  signature?: string | null;
  chunked?: boolean;
  holdOpen?: boolean;
};

export type AbuseContext = {
  stack: Stack;
  hostLog: string[];
  /** Model scripts by the nonce a run's task carries (see routedScript). */
  routes: Map<string, ModelScript>;
  /** Every run finished so far, for the sinks the credential cases search. */
  runs: FinishedRun[];
  specs: SpecSeen[];
  sign(body: string | Buffer, secret?: string): string;
  /** POSTs a webhook delivery with GitHub's headers; never rejects. */
  deliver(body: string | Buffer, o?: DeliverOptions): Promise<RawAnswer>;
  /** A new comment in the stand-in and the real-shaped payload GitHub would send for it. */
  commentPayload(
    issueNumber: number,
    text: string,
    user?: string,
  ): { commentId: number; payload: Record<string, unknown>; body: string };
  reactionsOn(commentId: number): number;
};

export function abuseContext(
  seen: Pick<AbuseContext, "stack" | "hostLog" | "routes" | "runs" | "specs">,
): AbuseContext {
  const { stack } = seen;
  const sign = (body: string | Buffer, secret = stack.webhookSecret) =>
    `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  return {
    ...seen,
    sign,
    deliver: (body, o = {}) =>
      postRaw(`${stack.controlPlane.url}/api/github/webhooks`, {
        body,
        headers: {
          "content-type": "application/json",
          "user-agent": "GitHub-Hookshot/8a2b4c1",
          "x-github-event": o.event ?? "issue_comment",
          "x-github-delivery": o.id ?? randomUUID(),
          "x-github-hook-id": "1",
          ...(o.signature === null ? {} : { "x-hub-signature-256": o.signature ?? sign(body) }),
        },
        chunked: o.chunked ?? false,
        holdOpen: o.holdOpen ?? false,
        // Room for a 30 MB upload on a busy machine; a request left open is answered promptly or never.
        timeoutMs: o.holdOpen ? 15_000 : 60_000,
      }),
    commentPayload(issueNumber, text, user = stack.owner) {
      const { owner, repo, github } = stack;
      const comment = github.createIssueComment({ owner, repo, issueNumber, body: text, user });
      const payload = github.webhookPayload("issue_comment.created", {
        owner,
        repo,
        issueNumber,
        commentId: comment.id,
      }) as unknown as Record<string, unknown>;
      return { commentId: comment.id, payload, body: JSON.stringify(payload) };
    },
    reactionsOn: (commentId) => stack.github.state.reactions.filter((r) => r.commentId === commentId).length,
  };
}

/** The answer's JSON object, or {} when it is not one. */
export function json(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === "object" ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Records the case, then asserts it: the ledger gets the row even when the assertion fails. */
export function settle(result: Omit<CaseResult, "group" | "lost">, failures: string[]): void {
  recordCase({ group: "abuse", lost: 0, ...result });
  // Joined, so the report lists every failure in full rather than an elided array.
  expect(failures.join("\n")).toBe("");
  expect(result.letIn).toBe(0);
  expect(result.survived).toBe(result.tried);
}
