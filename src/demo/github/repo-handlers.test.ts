import { describe, expect, it } from "vitest";
import { useStandIn } from "./use-stand-in.js";

const t = useStandIn();

describe("collaborator permission", () => {
  it("reports roles the way GitHub does", async () => {
    t.gh.setPermission("octo", "hello", "maint", "maintain");
    t.gh.setPermission("octo", "hello", "tri", "triage");
    t.gh.createUser("stranger");
    const auth = `token ${await t.mintToken()}`;
    const get = (login: string) => t.call("GET", `/repos/octo/hello/collaborators/${login}/permission`, auth);

    expect((await get("octo")).json).toMatchObject({ permission: "admin", role_name: "admin" });
    expect((await get("maint")).json).toMatchObject({
      permission: "write",
      role_name: "maintain",
      user: { login: "maint", permissions: { push: true, admin: false } },
    });
    expect((await get("tri")).json).toMatchObject({ permission: "read", role_name: "triage" });
    expect((await get("stranger")).json).toMatchObject({ permission: "none", role_name: "none" });
    const unknown = await get("nobody-at-all");
    expect(unknown.status).toBe(404);
    expect(unknown.json.message).toBe("nobody-at-all is not a user");
  });
});

describe("contents", () => {
  it("serves files raw for Probot's config() and 404s for missing ones", async () => {
    const auth = `token ${await t.mintToken()}`;
    const raw = await fetch(`${t.gh.apiUrl}/repos/octo/other/contents/.github%2Funderstudy.yml`, {
      headers: { authorization: auth, accept: "application/vnd.github.v3.raw" },
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get("content-type")).not.toBe("application/json; charset=utf-8");
    expect(await raw.text()).toBe("agent: codex\n");

    const json = await t.call("GET", "/repos/octo/other/contents/.github/understudy.yml", auth);
    expect(Buffer.from(json.json.content, "base64").toString()).toBe("agent: codex\n");
    expect(json.json.sha).toBe(await t.gh.git("octo", "other", "rev-parse", "main:.github/understudy.yml"));

    expect((await t.call("GET", "/repos/octo/hello/contents/.github%2Funderstudy.yml", auth)).status).toBe(
      404,
    );
    expect((await t.call("GET", "/repos/octo/.github/contents/.github%2Funderstudy.yml", auth)).status).toBe(
      404,
    );
  });
});
