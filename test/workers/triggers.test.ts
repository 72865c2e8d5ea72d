/**
 * The Worker's classification and routing of every trigger, in workerd: signed payloads from
 * @octokit/webhooks-examples go through POST /api/github/webhooks, and each accepted one must land in
 * the inbox of its thread's session (or of the session a linked pull request belongs to) under its
 * trigger key, once; the rest are answered at once with the reason. GitHub is unreachable here, so
 * what the session then does is the end-to-end tests' business (test/e2e/triggers.test.ts).
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import examples from "@octokit/webhooks-examples";
import { sign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { depsOf, ORIGIN } from "./support.js";

const SECRET = "workers-test-webhook-secret";
// biome-ignore lint/suspicious/noExplicitAny: examples are edited freely here; the Worker's schemas check them.
type Payload = Record<string, any>;

let nextRepo = 70_000;

/** A real example of `name.action` (user-owned repository), in a repository of its own, installed. */
function example(name: string, action: string, edit: (p: Payload) => void = () => {}): Payload {
  const found = (examples as unknown as Array<{ name: string; examples: Payload[] }>)
    .find((d) => d.name === name)!
    .examples.find((e) => e.action === action && !("organization" in e) && !e.issue?.pull_request);
  const p = structuredClone(found!) as Payload;
  p.installation ??= { id: 1 };
  if (p.repository) p.repository.id = ++nextRepo;
  edit(p);
  return p;
}

async function deliver(name: string, payload: unknown, id = crypto.randomUUID()) {
  const body = JSON.stringify(payload);
  const res = await exports.default.fetch(
    new Request(`${ORIGIN}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": name,
        "x-github-delivery": id,
        "x-hub-signature-256": await sign(SECRET, body),
      },
      body,
    }),
  );
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, id };
}

/** What a session object's inbox holds: delivery id, trigger key and event name. */
const inboxOf = (key: string) =>
  runInDurableObject(env.SESSIONS.get(env.SESSIONS.idFromName(key)), (instance) =>
    depsOf(instance)
      .ctx.storage.sql.exec<{ delivery_id: string; trigger_key: string; name: string }>(
        `SELECT delivery_id, trigger_key, name FROM inbox ORDER BY received_at`,
      )
      .toArray()
      .map((r) => ({ ...r })),
  );

const bot = { login: "understudy[bot]", id: 99, type: "Bot" };

describe("triggers through the webhook route", () => {
  it.each([
    [
      "issue_comment",
      "created",
      (p: Payload) => (p.comment.body = "@understudy fix it"),
      (p: Payload) => `comment:${p.comment.id}`,
      (p: Payload) => p.issue.number,
    ],
    [
      "issues",
      "opened",
      (p: Payload) => (p.issue.body = "/understudy fix it"),
      (p: Payload) => `opened:${p.issue.id}`,
      (p: Payload) => p.issue.number,
    ],
    [
      "issues",
      "labeled",
      () => {},
      (p: Payload) => `labeled:${p.issue.id}:${p.label.id}:${p.issue.updated_at}`,
      (p: Payload) => p.issue.number,
    ],
    [
      "pull_request_review_comment",
      "created",
      (p: Payload) => (p.comment.body = "@understudy fix"),
      (p: Payload) => `review_comment:${p.comment.id}`,
      (p: Payload) => p.pull_request.number,
    ],
    [
      "pull_request_review",
      "submitted",
      (p: Payload) => (p.review.body = "@understudy fix"),
      (p: Payload) => `review:${p.review.id}`,
      (p: Payload) => p.pull_request.number,
    ],
  ])(
    "stores %s.%s in its thread's session under its trigger key, once",
    async (name, action, edit, key, number) => {
      const p = example(name, action, edit);
      const first = await deliver(name, p);
      expect(first.status).toBe(202);
      const session = `${p.repository.id}#${number(p)}`;
      expect(await inboxOf(session)).toEqual([{ delivery_id: first.id, trigger_key: key(p), name }]);
      // Redelivered (same id), and replayed under a new id: neither is stored again.
      expect((await deliver(name, p, first.id)).json).toMatchObject({
        duplicate: "delivery already received",
      });
      const replay = await deliver(name, p);
      expect(replay.status).toBe(200);
      expect(replay.json.duplicate).toMatch(/already received in another delivery/);
      expect(await inboxOf(session)).toHaveLength(1);
    },
  );

  it("routes a review comment on a pull request a session opened to that session", async () => {
    const p = example(
      "pull_request_review_comment",
      "created",
      (x) => (x.comment.body = "@understudy rename it"),
    );
    const thread = `${p.repository.id}#${p.pull_request.number}`;
    const origin = `${p.repository.id}#1`;
    await env.LINKS.get(env.LINKS.idFromName(`links-${p.repository.id}`)).link(thread, origin);
    const res = await deliver("pull_request_review_comment", p);
    expect(res.status).toBe(202);
    expect((await inboxOf(origin)).map((r) => r.trigger_key)).toEqual([`review_comment:${p.comment.id}`]);
    expect(await inboxOf(thread)).toEqual([]);
  });

  it("passes a call of any handle and a bot's call on to the session, which has the config", async () => {
    const renamed = await deliver(
      "issue_comment",
      example("issue_comment", "created", (p) => (p.comment.body = "@helper go")),
    );
    expect(renamed.status).toBe(202);
    const fromBot = await deliver(
      "issue_comment",
      example("issue_comment", "created", (p) => {
        p.comment.body = "@understudy bump";
        p.sender = p.comment.user = { login: "renovate[bot]", id: 5, type: "Bot" };
      }),
    );
    expect(fromBot.status).toBe(202);
    const anyLabel = await deliver(
      "issues",
      example("issues", "labeled", (p) => (p.label.name = "bug")),
    );
    expect(anyLabel.status).toBe(202);
  });

  it.each([
    [
      "the App's own comment",
      "issue_comment",
      () =>
        example("issue_comment", "created", (p) => {
          p.comment.body = "`@understudy stop`";
          p.sender = p.comment.user = bot;
        }),
      "the App's own comments never trigger",
    ],
    [
      "an edited comment",
      "issue_comment",
      () =>
        example("issue_comment", "created", (p) => {
          p.action = "edited";
          p.comment.body = "@understudy go";
        }),
      "comment edited, only new comments trigger",
    ],
    [
      "a deleted comment",
      "issue_comment",
      () => example("issue_comment", "deleted"),
      "comment deleted, only new comments trigger",
    ],
    [
      "a comment without a call",
      "issue_comment",
      () => example("issue_comment", "created", (p) => (p.comment.body = "lgtm")),
      "comment does not mention @understudy",
    ],
    [
      "an edited issue",
      "issues",
      () => example("issues", "edited"),
      "issue edited: only a new issue or an added label triggers",
    ],
    [
      "a new issue without a call",
      "issues",
      () => example("issues", "opened", (p) => (p.issue.body = "it broke")),
      "issue does not mention @understudy",
    ],
    [
      "an edited review comment",
      "pull_request_review_comment",
      () => example("pull_request_review_comment", "edited"),
      "review comment edited, only new comments trigger",
    ],
    [
      "a review without a summary",
      "pull_request_review",
      () => example("pull_request_review", "submitted"),
      "review does not mention @understudy",
    ],
    [
      "a push",
      "push",
      (): Payload => ({ ref: "refs/heads/main", installation: { id: 1 } }),
      "event push does not trigger",
    ],
  ])("answers %s 200 with the reason, and stores nothing", async (_n, name, payload, reason) => {
    const p = payload();
    const res = await deliver(name, p);
    expect(res.status).toBe(200);
    expect(res.json.ignored).toBe(reason);
    if (p.repository?.id)
      expect(await inboxOf(`${p.repository.id}#${p.issue?.number ?? p.pull_request?.number}`)).toEqual([]);
  });

  it.each([
    ["installation", "created"],
    ["installation", "deleted"],
    ["installation", "suspend"],
    ["installation_repositories", "added"],
    ["installation_repositories", "removed"],
  ])("answers %s.%s 200 with what it said, and runs nothing", async (name, action) => {
    const p = example(name, action);
    const res = await deliver(name, p);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      ignored: `${name} events start nothing`,
      [name]: { installation: p.installation.id, action },
    });
  });

  it("notes a notice once per key, durably", async () => {
    const stub = env.SESSIONS.get(env.SESSIONS.idFromName("notices-test"));
    const seen = await runInDurableObject(stub, (instance) => {
      const { store } = depsOf(instance);
      return [
        store.noticeOnce("refused:1", 1),
        store.noticeOnce("refused:1", 2),
        store.noticeOnce("refused:2", 3),
      ];
    });
    expect(seen).toEqual([true, false, true]);
  });
});
