import { describe, expect, it } from "vitest";
import { classifyWebhook } from "./classify-webhook.js";

const payload = (over: { body?: string; type?: string; action?: string } = {}) => ({
  action: over.action ?? "created",
  comment: {
    id: 77,
    body: over.body ?? "@understudy fix it",
    html_url: "https://github.com/o/r/issues/3#issuecomment-77",
    user: { login: "octocat", id: 1, type: over.type ?? "User" },
  },
  issue: { number: 3, title: "Fix it", body: null },
  repository: {
    id: 9,
    name: "r",
    full_name: "o/r",
    owner: { login: "o", id: 2, type: "User" },
    clone_url: "https://github.com/o/r.git",
    html_url: "https://github.com/o/r",
    default_branch: "main",
  },
  sender: { login: "octocat", id: 1, type: over.type ?? "User" },
  installation: { id: 1 },
});

describe("classifyWebhook", () => {
  it("accepts a new human comment that mentions the handle", () => {
    expect(classifyWebhook("issue_comment", payload(), "understudy")).toEqual({
      accepted: true,
      mention: { task: "fix it", form: "mention" },
      trigger: { key: "comment:77", sessionKey: "9#3" },
    });
  });

  it("judges by the account type, not by a [bot] suffix in the login", () => {
    const p = payload();
    p.sender.login = "mallory[bot]";
    p.comment.user.login = "mallory[bot]";
    expect(classifyWebhook("issue_comment", p, "understudy").accepted).toBe(true);
  });

  it.each([
    ["a bot", "issue_comment", payload({ type: "Bot" }), "bots never trigger"],
    ["no mention", "issue_comment", payload({ body: "fix it" }), "does not mention @understudy"],
    ["an edit", "issue_comment", payload({ action: "edited" }), "only new comments trigger"],
    ["a deletion", "issue_comment", payload({ action: "deleted" }), "only new comments trigger"],
    ["another event", "star", {}, "event star does not trigger"],
    ["a malformed payload", "issue_comment", { action: "created" }, "not an issue_comment event"],
    [
      "a payload missing what the handler reads",
      "issue_comment",
      { ...payload(), repository: { ...payload().repository, owner: null } },
      "not an issue_comment event",
    ],
  ])("ignores %s with a reason", (_n, name, p, reason) => {
    const c = classifyWebhook(name, p, "understudy");
    expect(c.accepted).toBe(false);
    expect(c.accepted ? "" : c.reason).toContain(reason);
  });
});
