import { afterEach, beforeEach, expect } from "vitest";
import { signAppJwt } from "./sign-app-jwt.js";
import { type GitHubStandIn, startGitHubStandIn } from "./start-github-stand-in.js";

export type StandInFixture = {
  gh: GitHubStandIn;
  installationId: number;
  /** A fresh App JWT signed with the stand-in's key. */
  jwt(): string;
  /** Plain fetch against the API; `json` is the parsed body when the response is JSON. */
  call(
    method: string,
    path: string,
    auth: string | undefined,
    body?: unknown,
    // biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary GitHub JSON, checked by toMatchObject.
  ): Promise<{ status: number; headers: Headers; json: any }>;
  /** An installation token minted through the REST endpoint, as a bot would. */
  mintToken(body?: unknown): Promise<string>;
};

/**
 * Test fixture: a stand-in per test with installation "octo" holding `octo/hello` (README.md) and
 * `octo/other` (.github/understudy.yml); every test ends asserting no request went unhandled or
 * undocumented.
 */
export function useStandIn(): StandInFixture {
  const f = {} as StandInFixture;
  beforeEach(async () => {
    f.gh = await startGitHubStandIn({ appId: 4242, slug: "understudy" });
    f.installationId = f.gh.createInstallation({ account: "octo" }).id;
    const installationId = f.installationId;
    await f.gh.createRepo({
      owner: "octo",
      name: "hello",
      files: { "README.md": "# hello\n" },
      installationId,
    });
    await f.gh.createRepo({
      owner: "octo",
      name: "other",
      files: { ".github/understudy.yml": "agent: codex\n" },
      installationId,
    });
  });
  afterEach(async () => {
    expect(f.gh.unhandled).toEqual([]);
    expect(f.gh.undocumented).toEqual([]);
    await f.gh.close();
  });
  f.jwt = () => signAppJwt({ appId: f.gh.app.id, privateKeyPkcs8: f.gh.app.privateKeyPkcs8 });
  f.call = async (method, path, auth, body) => {
    const response = await fetch(`${f.gh.apiUrl}${path}`, {
      method,
      headers: {
        accept: "application/vnd.github+json",
        ...(auth ? { authorization: auth } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const json = text && response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
    return { status: response.status, headers: response.headers, json };
  };
  f.mintToken = async (body = {}) => {
    const res = await f.call(
      "POST",
      `/app/installations/${f.installationId}/access_tokens`,
      `Bearer ${f.jwt()}`,
      body,
    );
    expect(res.status).toBe(201);
    return res.json.token as string;
  };
  return f;
}
