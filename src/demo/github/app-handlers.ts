import { http, type RequestHandler } from "msw";
import * as z from "zod";
import { findRepo } from "./find-repo.js";
import { githubError } from "./github-error.js";
import { githubJson } from "./github-json.js";
import { isoTime } from "./iso-time.js";
import { issueInstallationToken } from "./issue-installation-token.js";
import { parseNumber } from "./parse-number.js";
import { readJsonBody } from "./read-json-body.js";
import { renderApp } from "./render-app.js";
import { renderInstallation } from "./render-installation.js";
import { renderRepository } from "./render-repository.js";
import { requireAppJwt } from "./require-app-jwt.js";
import type { StandInContext } from "./stand-in-context.js";

const TokenBody = z.object({
  repositories: z.array(z.string()).optional(),
  repository_ids: z.array(z.number().int()).optional(),
  permissions: z.record(z.string(), z.enum(["read", "write"])).optional(),
});

/** Endpoints an App calls as itself, with a JWT: https://docs.github.com/rest/apps/apps */
export function appHandlers(ctx: StandInContext): RequestHandler[] {
  const api = ctx.apiUrl;
  return [
    http.get(`${api}/app`, ({ request }) => requireAppJwt(request, ctx) ?? githubJson(renderApp(ctx))),

    http.get(
      `${api}/app/installations`,
      ({ request }) =>
        requireAppJwt(request, ctx) ??
        githubJson(ctx.state.installations.map((i) => renderInstallation(ctx, i))),
    ),

    http.get<{ installation_id: string }>(
      `${api}/app/installations/:installation_id`,
      ({ request, params }) => {
        const denied = requireAppJwt(request, ctx);
        if (denied) return denied;
        const id = parseNumber(params.installation_id);
        const installation = ctx.state.installations.find((i) => i.id === id);
        return installation
          ? githubJson(renderInstallation(ctx, installation))
          : githubError(404, "Not Found");
      },
    ),

    http.post<{ installation_id: string }>(
      `${api}/app/installations/:installation_id/access_tokens`,
      async ({ request, params }) => {
        const denied = requireAppJwt(request, ctx);
        if (denied) return denied;
        const id = parseNumber(params.installation_id);
        if (id === undefined) return githubError(404, "Not Found");
        const body = await readJsonBody(request, TokenBody);
        if (!body.ok) return body.response;
        const issued = issueInstallationToken(ctx, id, body.data);
        if (!issued.ok) return githubError(issued.status, issued.message);
        const { token } = issued;
        const repos = ctx.state.repos.filter((r) => token.repositoryIds.includes(r.id));
        return githubJson(
          {
            token: token.token,
            expires_at: isoTime(token.expiresAt),
            permissions: token.permissions,
            repository_selection: token.repositorySelection,
            ...(token.repositorySelection === "selected"
              ? { repositories: repos.map((r) => renderRepository(ctx, r)) }
              : {}),
          },
          201,
        );
      },
    ),

    http.get<{ owner: string; repo: string }>(
      `${api}/repos/:owner/:repo/installation`,
      ({ request, params }) => {
        const denied = requireAppJwt(request, ctx);
        if (denied) return denied;
        const repo = findRepo(ctx.state, params.owner, params.repo);
        const installation = repo && ctx.state.installations.find((i) => i.id === repo.installationId);
        return installation
          ? githubJson(renderInstallation(ctx, installation))
          : githubError(404, "Not Found");
      },
    ),
  ];
}
