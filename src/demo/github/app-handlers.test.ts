import { describe, expect, it } from "vitest";
import { signAppJwt } from "./sign-app-jwt.js";
import { startGitHubStandIn } from "./start-github-stand-in.js";
import { useStandIn } from "./use-stand-in.js";

const t = useStandIn();

describe("App authentication", () => {
  it("exchanges a JWT for an installation token and uses it", async () => {
    const app = await t.call("GET", "/app", `Bearer ${t.jwt()}`);
    expect(app.status).toBe(200);
    expect(app.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(app.json).toMatchObject({ id: 4242, slug: "understudy" });

    const inst = await t.call("GET", "/repos/octo/hello/installation", `Bearer ${t.jwt()}`);
    expect(inst.json).toMatchObject({ id: t.installationId, app_id: 4242, account: { login: "octo" } });

    const created = await t.call(
      "POST",
      `/app/installations/${t.installationId}/access_tokens`,
      `Bearer ${t.jwt()}`,
    );
    expect(created.status).toBe(201);
    expect(created.json.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(created.json.repository_selection).toBe("all");
    expect(Date.parse(created.json.expires_at) - Date.now()).toBeGreaterThan(50 * 60 * 1000);
    expect(t.gh.state.tokens.map((k) => k.token)).toEqual([created.json.token]);

    const repo = await t.call("GET", "/repos/octo/hello", `token ${created.json.token}`);
    expect(repo.status).toBe(200);
    expect(repo.json).toMatchObject({
      full_name: "octo/hello",
      default_branch: "main",
      private: true,
      clone_url: `${t.gh.url}/octo/hello.git`,
    });
    const viaBearer = await t.call("GET", "/repos/octo/hello", `Bearer ${created.json.token}`);
    expect(viaBearer.status).toBe(200);
  });

  it.each([
    ["no header", undefined],
    ["garbage", "Bearer not.a.jwt"],
    ["an installation token", "Bearer ghs_000000000000000000000000000000000000"],
  ])("answers 401 for %s on /app endpoints", async (_label, auth) => {
    const res = await t.call("GET", "/app", auth);
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ message: expect.any(String), documentation_url: expect.any(String) });
  });

  it("rejects JWTs with the wrong issuer, a foreign key, an expiry past ten minutes, or expired", async () => {
    const now = Math.floor(Date.now() / 1000);
    const other = await startGitHubStandIn({ appId: 4242 });
    await other.close();
    const bad = [
      signAppJwt({ appId: 1, privateKeyPkcs8: t.gh.app.privateKeyPkcs8 }),
      signAppJwt({ appId: t.gh.app.id, privateKeyPkcs8: other.app.privateKeyPkcs8 }),
      signAppJwt({
        appId: t.gh.app.id,
        privateKeyPkcs8: t.gh.app.privateKeyPkcs8,
        claims: { exp: now + 3600 },
      }),
      signAppJwt({ appId: t.gh.app.id, privateKeyPkcs8: t.gh.app.privateKeyPkcs8, nowSeconds: now - 3600 }),
    ];
    for (const token of bad) {
      const res = await t.call(
        "POST",
        `/app/installations/${t.installationId}/access_tokens`,
        `Bearer ${token}`,
      );
      expect(res.status).toBe(401);
    }
    expect(t.gh.state.tokens).toEqual([]);
  });
});

describe("token scoping", () => {
  it("limits a token to the repositories it was asked for", async () => {
    const res = await t.call(
      "POST",
      `/app/installations/${t.installationId}/access_tokens`,
      `Bearer ${t.jwt()}`,
      {
        repositories: ["hello"],
      },
    );
    expect(res.json.repository_selection).toBe("selected");
    expect(res.json.repositories.map((r: { name: string }) => r.name)).toEqual(["hello"]);
    const auth = `token ${res.json.token}`;
    expect((await t.call("GET", "/repos/octo/hello", auth)).status).toBe(200);
    expect((await t.call("GET", "/repos/octo/other", auth)).status).toBe(403);
    expect((await t.call("GET", "/repos/octo/missing", auth)).status).toBe(404);
  });

  it("refuses repositories and permissions the installation does not have", async () => {
    const path = `/app/installations/${t.installationId}/access_tokens`;
    expect((await t.call("POST", path, `Bearer ${t.jwt()}`, { repositories: ["nope"] })).status).toBe(422);
    expect(
      (await t.call("POST", path, `Bearer ${t.jwt()}`, { permissions: { administration: "write" } })).status,
    ).toBe(422);
    expect((await t.call("POST", path, `Bearer ${t.jwt()}`, { repositories: "hello" })).status).toBe(422);
    // Malformed on purpose, so also not a request GitHub documents: recorded, then cleared.
    expect(t.gh.undocumented.splice(0)).toEqual([
      expect.stringContaining('body field "repositories" is a string, not an array'),
    ]);
    expect(
      (await t.call("POST", "/app/installations/999999/access_tokens", `Bearer ${t.jwt()}`)).status,
    ).toBe(404);
  });

  it("enforces the token's permissions and expiry", async () => {
    const gh1 = t.gh.createIssue({ owner: "octo", repo: "hello", title: "t", body: "b", user: "octo" });
    const readOnly = `token ${await t.mintToken({ permissions: { issues: "read", metadata: "read" } })}`;
    expect((await t.call("GET", `/repos/octo/hello/issues/${gh1.number}`, readOnly)).status).toBe(200);
    const denied = await t.call("POST", `/repos/octo/hello/issues/${gh1.number}/comments`, readOnly, {
      body: "x",
    });
    expect(denied.status).toBe(403);
    expect(denied.json.message).toBe("Resource not accessible by integration");

    const token = await t.mintToken();
    const record = t.gh.state.tokens.find((k) => k.token === token)!;
    record.expiresAt = 0;
    expect((await t.call("GET", "/repos/octo/hello", `token ${token}`)).status).toBe(401);
    expect((await t.call("GET", "/repos/octo/hello", undefined)).status).toBe(401);
  });
});
