/**
 * Deliveries under real conditions: many at once, redelivered, replayed. Every accepted delivery is
 * processed, and each trigger (a comment) at most once, whatever the number of deliveries carrying it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../../src/demo/start-stack.js";
import { waitFor } from "../../src/demo/wait-for.js";
import { deliverWebhook } from "../../src/demo/webhook.js";

describe("deliveries", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const url = () => `${stack.controlPlane.url}/api/github/webhooks`;
  const botCommentsOn = (issueNumber: number) =>
    stack.github.state.comments.filter(
      (c) => c.user === stack.github.app.botLogin && c.issueNumber === issueNumber,
    );
  const isFinal = (body: string | undefined) => /^### (✅|❌)/mu.test(body ?? "");

  it("processes eight comments on eight issues delivered at the same moment", async () => {
    const issues = Array.from({ length: 8 }, (_, i) => stack.createIssue(`Concurrent request ${i + 1}`));
    const sent = await Promise.all(
      issues.map((issueNumber) =>
        stack.comment("@understudy add a CONTRIBUTING.md that explains how to run the tests", {
          issueNumber,
        }),
      ),
    );
    expect(sent.map((s) => s.response.status)).toEqual(issues.map(() => 202));
    for (const [i, issueNumber] of issues.entries()) {
      const commentId = sent[i]!.commentId;
      await waitFor(`👀 on the comment on #${issueNumber}`, () =>
        stack.github.state.reactions.some((r) => r.commentId === commentId && r.content === "eyes"),
      );
      const final = await waitFor(
        `the final status comment on #${issueNumber}`,
        () => {
          const c = botCommentsOn(issueNumber);
          return c.length === 1 && isFinal(c[0]?.body) ? c[0] : undefined;
        },
        120_000,
      );
      expect(final.body).toMatch(/^### ✅ Done/mu);
    }
    const heads = stack.github.state.pulls.map((p) => p.head);
    for (const issueNumber of issues)
      expect(heads.some((h) => h.startsWith(`understudy/${issueNumber}-`))).toBe(true);
    expect(stack.github.unhandled).toEqual([]);
    expect(stack.github.undocumented).toEqual([]);
  }, 240_000);

  it("starts one run for a comment delivered three times at once and replayed under a new delivery id", async () => {
    const { github, owner, repo } = stack;
    const issueNumber = stack.createIssue("Add a CHANGELOG");
    const comment = github.createIssueComment({
      owner,
      repo,
      issueNumber,
      body: "@understudy add a CHANGELOG",
      user: owner,
    });
    const payload = github.webhookPayload("issue_comment.created", {
      owner,
      repo,
      issueNumber,
      commentId: comment.id,
    });
    const id = crypto.randomUUID();
    const deliver = (deliveryId: string) =>
      deliverWebhook(url(), { name: "issue_comment", id: deliveryId, payload, secret: stack.webhookSecret });
    const sandboxesBefore = stack.host.sandboxes.size;

    const concurrent = await Promise.all([deliver(id), deliver(id), deliver(id)]);
    expect(concurrent.map((r) => r.status).sort()).toEqual([200, 200, 202]);
    // The same signed body under a fresh delivery id: a replay, not a new request.
    const replay = await deliver(crypto.randomUUID());
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ duplicate: expect.stringMatching(/already received/) });

    await waitFor("the run to finish", () => isFinal(botCommentsOn(issueNumber)[0]?.body), 120_000);
    expect(botCommentsOn(issueNumber)).toHaveLength(1);
    expect(stack.host.sandboxes.size).toBe(sandboxesBefore + 1);
    expect(github.state.reactions.filter((r) => r.commentId === comment.id)).toHaveLength(1);
  }, 180_000);

  it("starts one run for a label delivered three times at once and replayed under a new delivery id", async () => {
    const { github, owner, repo } = stack;
    const issueNumber = stack.createIssue("Explain how to run the tests", "Asked by a label, not a comment.");
    const payload = github.webhookPayload("issues.labeled", {
      owner,
      repo,
      issueNumber,
      label: "understudy",
      sender: owner,
    });
    const id = crypto.randomUUID();
    const deliver = (deliveryId: string) =>
      deliverWebhook(url(), { name: "issues", id: deliveryId, payload, secret: stack.webhookSecret });
    const sandboxesBefore = stack.host.sandboxes.size;

    const concurrent = await Promise.all([deliver(id), deliver(id), deliver(id)]);
    expect(concurrent.map((r) => r.status).sort()).toEqual([200, 200, 202]);
    const replay = await deliver(crypto.randomUUID());
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ duplicate: expect.stringMatching(/already received/) });

    await waitFor("the run to finish", () => isFinal(botCommentsOn(issueNumber)[0]?.body), 120_000);
    expect(botCommentsOn(issueNumber)).toHaveLength(1);
    expect(stack.host.sandboxes.size).toBe(sandboxesBefore + 1);
    const issueId = github.state.issues.find((i) => i.number === issueNumber)!.id;
    expect(github.state.reactions.filter((r) => r.commentId === issueId)).toHaveLength(1);
  }, 180_000);

  it("does not process a delivery id again when it comes back with another issue's body", async () => {
    const { github, owner, repo } = stack;
    const first = stack.createIssue("First issue");
    const second = stack.createIssue("Second issue");
    const id = crypto.randomUUID();
    const help = (issueNumber: number) => {
      const comment = github.createIssueComment({
        owner,
        repo,
        issueNumber,
        body: "@understudy",
        user: owner,
      });
      return github.webhookPayload("issue_comment.created", {
        owner,
        repo,
        issueNumber,
        commentId: comment.id,
      });
    };
    const a = await deliverWebhook(url(), {
      name: "issue_comment",
      id,
      payload: help(first),
      secret: stack.webhookSecret,
    });
    expect(a.status).toBe(202);
    const b = await deliverWebhook(url(), {
      name: "issue_comment",
      id,
      payload: help(second),
      secret: stack.webhookSecret,
    });
    expect(b.status).toBe(200);
    expect(await b.json()).toMatchObject({ duplicate: "delivery already received" });
    await waitFor("the help reply on the first issue", () => botCommentsOn(first).length === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(botCommentsOn(second)).toEqual([]);
  });
});
