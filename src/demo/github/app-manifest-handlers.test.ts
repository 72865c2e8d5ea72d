import { createPrivateKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { useStandIn } from "./use-stand-in.js";

const t = useStandIn();

const manifest = {
  name: "Octo Helper",
  url: "https://example.com/octo-helper",
  hook_attributes: { url: "https://smee.io/abc", active: true },
  redirect_url: "http://127.0.0.1:9999/callback",
  public: false,
  default_permissions: { issues: "write", contents: "write", pull_requests: "write" },
  default_events: ["issue_comment", "pull_request"],
};

describe("App-manifest flow", () => {
  it("exchanges a code once for the App, a PKCS#1 key and its secrets", async () => {
    const code = t.gh.appManifests.complete(manifest, { owner: "mona" });
    const res = await t.call("POST", `/app-manifests/${code}/conversions`, undefined);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      slug: "octo-helper",
      name: "Octo Helper",
      owner: { login: "mona", type: "User" },
      external_url: "https://example.com/octo-helper",
      html_url: `${t.gh.url}/apps/octo-helper`,
      permissions: { issues: "write", contents: "write", pull_requests: "write", metadata: "read" },
      events: ["issue_comment", "pull_request"],
      client_id: expect.stringMatching(/^Iv23li/),
      client_secret: expect.stringMatching(/^[0-9a-f]{40}$/),
      webhook_secret: expect.stringMatching(/^[0-9a-f]{40}$/),
      pem: expect.stringMatching(/^-----BEGIN RSA PRIVATE KEY-----\n/),
    });
    expect(res.json.id).toBe(t.gh.appManifests.apps[0]?.id);
    expect(createPrivateKey(res.json.pem).asymmetricKeyDetails?.modulusLength).toBe(2048);

    const again = await t.call("POST", `/app-manifests/${code}/conversions`, undefined);
    expect(again.status).toBe(404);
    expect(again.json).toMatchObject({ message: "Not Found" });
    expect((await t.call("POST", "/app-manifests/nope/conversions", undefined)).status).toBe(404);
  });

  it("lets a code expire", async () => {
    const code = t.gh.appManifests.complete(manifest, { expiresInMs: 0 });
    expect((await t.call("POST", `/app-manifests/${code}/conversions`, undefined)).status).toBe(404);
  });

  it("refuses what GitHub's form refuses", () => {
    const { complete } = t.gh.appManifests;
    expect(() => complete({ ...manifest, hook_attributes: { url: "not a url" } })).toThrow(/hook_attributes/);
    expect(() => complete({ ...manifest, hook_atributes: {} })).toThrow(/hook_atributes/);
    expect(() => complete({ ...manifest, name: "x".repeat(35) })).toThrow(/34 characters/);
    expect(() => complete({ ...manifest, name: "Understudy" })).toThrow(/already in use/);
    expect(() => complete({ ...manifest, default_permissions: { contents: "write" } })).toThrow(
      /Default events unsupported: issue_comment, pull_request/,
    );
    complete(manifest);
    expect(() => complete({ ...manifest, name: "octo helper" })).toThrow(/already in use/);
    expect(t.gh.appManifests.apps).toHaveLength(1);
  });
});
