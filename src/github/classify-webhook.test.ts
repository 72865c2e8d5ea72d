import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { classifyWebhook } from "./classify-webhook.js";

// Real payloads from @octokit/webhooks-examples (user-owned repositories), with an installation.
// biome-ignore lint/suspicious/noExplicitAny: examples are edited freely here; the schema under test checks them.
type Payload = Record<string, any>;
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples") as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;
function example(name: string, action: string, with_: (p: Payload) => void = () => {}) {
  const found = examples
    .find((d) => d.name === name)!
    .examples.find(
      (e) => e.action === action && !("organization" in e) && !(e.issue as Payload | undefined)?.pull_request,
    );
  const p = structuredClone(found!) as Payload;
  p.installation = { id: 1 };
  with_(p);
  return p;
}
const bot = { login: "understudy[bot]", id: 9, type: "Bot" };

describe("classifyWebhook", () => {
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
      (p: Payload) => (p.issue.body = "@understudy fix it"),
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
      (p: Payload) => (p.comment.body = "/understudy fix"),
      (p: Payload) => `review_comment:${p.comment.id}`,
      (p: Payload) => p.pull_request.number,
    ],
    [
      "pull_request_review",
      "submitted",
      (p: Payload) => (p.review.body = "ok @understudy fix"),
      (p: Payload) => `review:${p.review.id}`,
      (p: Payload) => p.pull_request.number,
    ],
  ])(
    "accepts %s.%s with a trigger key unique to it and the thread's session",
    (name, action, edit, key, number) => {
      const p = example(name, action, edit);
      expect(classifyWebhook(name, p, "understudy")).toEqual({
        accepted: true,
        trigger: {
          key: key(p),
          sessionKey: `${p.repository.id}#${number(p)}`,
          // Only a thread that may be a session's pull request is looked up in SessionLinks.
          onPullRequest: name.startsWith("pull_request") || Boolean(p.issue?.pull_request),
        },
      });
    },
  );

  it("lets any call shape through: the repository's config may rename the handle", () => {
    const p = example("issue_comment", "created", (x) => (x.comment.body = "@helper fix it"));
    expect(classifyWebhook("issue_comment", p, "understudy").accepted).toBe(true);
  });

  it("lets a bot's call through (allowed_bots is checked in the session), never the App's own", () => {
    const other = example("issue_comment", "created", (x) => {
      x.comment.body = "@understudy bump";
      x.sender = x.comment.user = { login: "renovate[bot]", id: 2, type: "Bot" };
    });
    expect(classifyWebhook("issue_comment", other, "understudy").accepted).toBe(true);
    const own = example("issue_comment", "created", (x) => {
      x.comment.body = "`@understudy stop` stops me";
      x.sender = x.comment.user = bot;
    });
    expect(classifyWebhook("issue_comment", own, "understudy")).toEqual({
      accepted: false,
      reason: "the App's own comments never trigger",
    });
  });

  it("judges the App by account type, not by a [bot] suffix in a login", () => {
    const p = example("issue_comment", "created", (x) => {
      x.comment.body = "@understudy fix";
      x.sender = x.comment.user = { login: "understudy[bot]", id: 3, type: "User" };
    });
    expect(classifyWebhook("issue_comment", p, "understudy").accepted).toBe(true);
  });

  it.each([
    [
      "an edited comment",
      "issue_comment",
      example("issue_comment", "created", (p) => (p.action = "edited")),
      "only new comments trigger",
    ],
    ["a deleted comment", "issue_comment", example("issue_comment", "deleted"), "only new comments trigger"],
    [
      "a comment without a call",
      "issue_comment",
      example("issue_comment", "created", (p) => (p.comment.body = "lgtm")),
      "comment does not mention @understudy",
    ],
    [
      "an issue without a call",
      "issues",
      example("issues", "opened", (p) => (p.issue.body = "broken")),
      "issue does not mention @understudy",
    ],
    ["an edited issue", "issues", example("issues", "edited"), "only a new issue or an added label triggers"],
    [
      "a removed label",
      "issues",
      example("issues", "unlabeled"),
      "only a new issue or an added label triggers",
    ],
    [
      "an edited review comment",
      "pull_request_review_comment",
      example("pull_request_review_comment", "edited"),
      "only new comments trigger",
    ],
    [
      "a deleted review comment",
      "pull_request_review_comment",
      example("pull_request_review_comment", "deleted"),
      "only new comments trigger",
    ],
    [
      "a review without a body",
      "pull_request_review",
      example("pull_request_review", "submitted"),
      "review does not mention",
    ],
    [
      "the App's own review",
      "pull_request_review",
      example("pull_request_review", "submitted", (p) => {
        p.review.body = "@understudy";
        p.sender = p.review.user = bot;
      }),
      "the App's own reviews never trigger",
    ],
    [
      "no installation",
      "issue_comment",
      example("issue_comment", "created", (p) => {
        p.comment.body = "@understudy";
        delete p.installation;
      }),
      "no installation",
    ],
    ["another event", "star", {}, "event star does not trigger"],
    ["a malformed payload", "issue_comment", { action: "created" }, "not an issue_comment event"],
    [
      "a payload missing what the handler reads",
      "pull_request_review_comment",
      example("pull_request_review_comment", "created", (p) => delete p.comment.diff_hunk),
      "not a pull_request_review_comment event",
    ],
  ])("ignores %s with a reason", (_n, name, p, reason) => {
    const c = classifyWebhook(name, p, "understudy");
    expect(c.accepted).toBe(false);
    expect(c.accepted ? "" : c.reason).toContain(reason);
  });
});
