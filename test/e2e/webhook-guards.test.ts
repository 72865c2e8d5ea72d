/**
 * Bad input gets a clear answer and starts nothing: wrong or missing signatures, a commenter without
 * write access, a bot, a comment without the mention, a redelivered webhook.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../../src/demo/start-stack.js";
import { waitFor } from "../../src/demo/wait-for.js";
import { deliverWebhook, signWebhook } from "../../src/demo/webhook.js";

describe("webhook guards", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const botComments = () => stack.github.state.comments.filter((c) => c.user === stack.github.app.botLogin);
  const apiCalls = () => stack.github.log.filter((l) => l.path.startsWith("/api/v3"));

  it("answers 401 to a wrong or missing signature and starts nothing", async () => {
    const wrong = await stack.comment("@understudy do it", { signature: `sha256=${"0".repeat(64)}` });
    expect(wrong.response.status).toBe(401);
    expect(await wrong.response.json()).toEqual({ error: "signature does not match the webhook secret" });
    const missing = await stack.comment("@understudy do it", { signature: "" });
    expect(missing.response.status).toBe(401);
    const signedWithOtherSecret = await deliverWebhook(`${stack.controlPlane.url}/api/github/webhooks`, {
      name: "issue_comment",
      payload: { action: "created" },
      secret: "not-the-secret",
    });
    expect(signedWithOtherSecret.status).toBe(401);
    expect(apiCalls()).toEqual([]);
    expect(stack.host.sandboxes.size).toBe(0);
  });

  it("refuses a body over GitHub's 25 MB limit with 413 before parsing it, and malformed JSON with 400", async () => {
    const url = `${stack.controlPlane.url}/api/github/webhooks`;
    const big = `{"action":"created","pad":"${"x".repeat(25 * 1024 * 1024)}"}`;
    const headers = {
      "content-type": "application/json",
      "x-github-event": "issue_comment",
      "x-github-delivery": crypto.randomUUID(),
    };
    const huge = await fetch(url, {
      method: "POST",
      headers: { ...headers, "x-hub-signature-256": await signWebhook(stack.webhookSecret, big) },
      body: big,
    });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toEqual({ error: expect.stringMatching(/25 MB webhook payload limit/) });
    const malformed = "{not json";
    const bad = await fetch(url, {
      method: "POST",
      headers: { ...headers, "x-hub-signature-256": await signWebhook(stack.webhookSecret, malformed) },
      body: malformed,
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "body is not JSON" });
    expect(apiCalls()).toEqual([]);
  });

  it("answers 404 to transcript and sandbox URLs of sessions that do not exist", async () => {
    const fake = "ab".repeat(32);
    expect((await fetch(`${stack.controlPlane.url}/sessions/${fake}?token=x`)).status).toBe(404);
    const git = await fetch(`${stack.controlPlane.url}/sessions/${fake}/sandbox/git-token`, {
      method: "POST",
      headers: { authorization: "Bearer guess" },
    });
    expect(git.status).toBe(404);
    expect((await fetch(`${stack.controlPlane.url}/sessions/not-an-id/sandbox`)).status).toBe(404);
  });

  it("ignores comments by bots and comments without the mention, saying why", async () => {
    // A bot's call reaches its session, which reads the config (`allowed_bots` may list it) and
    // stays silent: reads only (a token, the App's slug, the config), no write.
    const bot = await stack.comment("@understudy do it", { user: "helper-bot[bot]" });
    expect(bot.response.status).toBe(202);
    const plain = await stack.comment("looks good to me");
    expect(plain.response.status).toBe(200);
    expect(await plain.response.json()).toMatchObject({ ignored: "comment does not mention @understudy" });
    await waitFor("the bot's delivery to be read", () =>
      apiCalls().some((l) => l.path.includes("/contents/")),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(apiCalls().filter((l) => l.method !== "GET" && !l.path.endsWith("/access_tokens"))).toEqual([]);
    expect(stack.host.sandboxes.size).toBe(0);
  });

  it("answers a commenter without write access with one polite reply and no sandbox", async () => {
    const { response, commentId } = await stack.comment("@understudy delete the tests", { user: "stranger" });
    expect(response.status).toBe(202);
    const reply = await waitFor("the polite reply", () => botComments()[0]);
    expect(reply.body).toContain("@stranger");
    expect(reply.body).toMatch(/write access/);
    // Give a wrongly started session every chance to show itself: the reply is the handler's last step.
    await new Promise((r) => setTimeout(r, 500));
    expect(botComments()).toHaveLength(1);
    expect(stack.github.state.reactions.filter((r) => r.commentId === commentId)).toEqual([]);
    expect(stack.host.sandboxes.size).toBe(0);
    expect(stack.github.unhandled).toEqual([]);
    expect(stack.github.undocumented).toEqual([]);
  });
});
