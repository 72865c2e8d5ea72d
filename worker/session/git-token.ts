/**
 * POST /sessions/:id/sandbox/git-token. The bridge asks for a git credential at the moment it clones
 * or pushes; the agent process never holds one. The token is an installation token narrowed to this
 * one repository and to contents access (GitHub expires it after an hour).
 */
import type { GitTokenResponse } from "../../src/core/wire.js";
import { authorizeSandbox } from "./authorize-sandbox.js";
import type { SessionDeps } from "./session-deps.js";

export async function issueGitToken(d: SessionDeps, request: Request): Promise<Response> {
  const s = await authorizeSandbox(d, request);
  if (!s) return Response.json({ error: "invalid or expired sandbox token" }, { status: 401 });
  const app = await d.githubApp();
  const { data } = await app.rest.apps.createInstallationAccessToken({
    installation_id: s.request.installationId,
    repositories: [s.request.repo.name],
    permissions: { contents: "write" },
  });
  const body: GitTokenResponse = { token: data.token, expiresAt: data.expires_at };
  return Response.json(body);
}
