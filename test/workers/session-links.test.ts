/**
 * Continuity: a comment on the pull request a session opened reaches that session. The link is kept
 * in the repository's SessionLinks object (first writer wins), and the Worker routes by it, so a
 * redelivery, a restart or a second linking attempt never splits a session in two.
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { sign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { depsOf, ORIGIN } from "./support.js";

const SECRET = "workers-test-webhook-secret";

function prComment(commentId: number, prNumber: number) {
  const account = { login: "octocat", id: 1, type: "User" };
  return {
    action: "created",
    comment: {
      id: commentId,
      body: "@understudy also update the README",
      html_url: `https://github.com/acme/widgets/pull/${prNumber}#issuecomment-${commentId}`,
      user: account,
    },
    issue: { number: prNumber, title: "Add a greeting file", body: "", pull_request: { url: "x" } },
    repository: {
      id: 4242,
      name: "widgets",
      full_name: "acme/widgets",
      owner: account,
      clone_url: "https://github.com/acme/widgets.git",
      html_url: "https://github.com/acme/widgets",
      default_branch: "main",
    },
    sender: account,
    installation: { id: 1 },
  };
}

async function deliver(payload: unknown, deliveryId: string): Promise<Response> {
  const body = JSON.stringify(payload);
  return exports.default.fetch(
    new Request(`${ORIGIN}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issue_comment",
        "x-github-delivery": deliveryId,
        "x-hub-signature-256": await sign(SECRET, body),
      },
      body,
    }),
  );
}

/** Delivery ids in a session object's inbox. */
const inboxOf = (key: string) =>
  runInDurableObject(env.SESSIONS.get(env.SESSIONS.idFromName(key)), (instance) =>
    depsOf(instance)
      .ctx.storage.sql.exec<{ delivery_id: string }>(`SELECT delivery_id FROM inbox`)
      .toArray()
      .map((r) => r.delivery_id),
  );

describe("pull request heads", () => {
  it("records each head a pull_request event announces, and answers the head at a moment", async () => {
    const A = "a".repeat(40);
    const B = "b".repeat(40);
    const event = (sha: string, at: string) => ({
      action: "synchronize",
      number: 31,
      pull_request: { head: { sha }, updated_at: at },
      repository: { id: 5151 },
      installation: { id: 1 },
      sender: { login: "octocat", id: 1, type: "User" },
    });
    const send = async (payload: unknown, id: string) => {
      const body = JSON.stringify(payload);
      return exports.default.fetch(
        new Request(`${ORIGIN}/api/github/webhooks`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-github-event": "pull_request",
            "x-github-delivery": id,
            "x-hub-signature-256": await sign(SECRET, body),
          },
          body,
        }),
      );
    };
    expect((await send(event(A, "2026-11-24T10:00:00Z"), "h-1")).status).toBe(200);
    expect((await send(event(B, "2026-11-24T10:05:00Z"), "h-2")).status).toBe(200);
    const links = env.LINKS.get(env.LINKS.idFromName("links-5151"));
    expect(await links.headAt(31, Date.parse("2026-11-24T09:59:59Z"))).toBeNull();
    expect(await links.headAt(31, Date.parse("2026-11-24T10:03:00Z"))).toBe(A);
    expect(await links.headAt(31, Date.parse("2026-11-24T10:05:00Z"))).toBe(B);
  });
});

describe("session links", () => {
  it("keeps the first link of a thread and answers null for an unlinked one", async () => {
    const links = env.LINKS.get(env.LINKS.idFromName("links-7"));
    expect(await links.resolve("7#5")).toBeNull();
    expect(await links.link("7#5", "7#1")).toBe("7#1");
    expect(await links.link("7#5", "7#2")).toBe("7#1");
    expect(await links.resolve("7#5")).toBe("7#1");
  });

  it("routes a comment on a linked pull request to the session that opened it, redeliveries included", async () => {
    await env.LINKS.get(env.LINKS.idFromName("links-4242")).link("4242#99", "4242#12");
    const first = await deliver(prComment(501, 99), "delivery-pr-1");
    expect(first.status).toBe(202);
    // Redelivered (same id) and replayed (new id, same comment): neither makes a second session.
    expect((await deliver(prComment(501, 99), "delivery-pr-1")).status).toBe(200);
    expect((await deliver(prComment(501, 99), "delivery-pr-2")).status).toBe(200);
    expect(await inboxOf("4242#12")).toEqual(["delivery-pr-1"]);
    expect(await inboxOf("4242#99")).toEqual([]);
    // A pull request nobody linked has a session of its own.
    expect((await deliver(prComment(502, 100), "delivery-pr-3")).status).toBe(202);
    expect(await inboxOf("4242#100")).toEqual(["delivery-pr-3"]);
  });
});
