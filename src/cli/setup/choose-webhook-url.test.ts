import { describe, expect, it } from "vitest";
import { chooseWebhookUrl } from "./choose-webhook-url.js";

describe("chooseWebhookUrl", () => {
  it("uses the smee channel of WEBHOOK_PROXY_URL", () => {
    expect(chooseWebhookUrl({ proxyUrl: "https://smee.io/abc" })).toEqual({
      ok: true,
      url: "https://smee.io/abc",
      via: "proxy",
    });
  });

  it("prefers --webhook-url, and adds the webhook route to a bare origin", () => {
    expect(chooseWebhookUrl({ proxyUrl: "https://smee.io/abc", flag: "https://t.example.com" })).toEqual({
      ok: true,
      url: "https://t.example.com/api/github/webhooks",
      via: "flag",
    });
    expect(chooseWebhookUrl({ flag: "https://w.example.dev/hooks" })).toMatchObject({
      url: "https://w.example.dev/hooks",
    });
  });

  it("explains that GitHub needs a public URL when there is none, and refuses a bad one", () => {
    const none = chooseWebhookUrl({});
    expect(none.ok).toBe(false);
    expect(!none.ok && none.message).toMatch(/public URL[\s\S]*smee\.io\/new[\s\S]*--webhook-url/);
    expect(chooseWebhookUrl({ flag: "ftp://x" })).toEqual({
      ok: false,
      message: '--webhook-url must be an http(s) URL, got "ftp://x"',
    });
    expect(chooseWebhookUrl({ proxyUrl: "smee" }).ok).toBe(false);
  });
});
