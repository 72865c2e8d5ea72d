import { http, type RequestHandler } from "msw";
import { contentsHandler } from "./contents-handler.js";
import { findUser } from "./find-user.js";
import { githubError } from "./github-error.js";
import { githubJson } from "./github-json.js";
import { renderRepository } from "./render-repository.js";
import { renderUser } from "./render-user.js";
import { requireInstallationToken } from "./require-installation-token.js";
import { roleOf } from "./role-of.js";
import type { StandInContext } from "./stand-in-context.js";
import type { Permission } from "./stand-in-state.js";

/** The legacy `permission` field folds maintain into write and triage into read. */
const LEGACY: Record<Permission, "admin" | "write" | "read" | "none"> = {
  admin: "admin",
  maintain: "write",
  write: "write",
  triage: "read",
  read: "read",
  none: "none",
};
const RANK: Permission[] = ["none", "read", "triage", "write", "maintain", "admin"];

/** Repository metadata, collaborator permission and file contents. */
export function repoHandlers(ctx: StandInContext): RequestHandler[] {
  const api = ctx.apiUrl;
  return [
    http.get<{ owner: string; repo: string }>(`${api}/repos/:owner/:repo`, ({ request, params }) => {
      const auth = requireInstallationToken(request, ctx, params.owner, params.repo, [["metadata", "read"]]);
      return auth.ok ? githubJson(renderRepository(ctx, auth.repo)) : auth.response;
    }),

    // https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user
    http.get<{ owner: string; repo: string; username: string }>(
      `${api}/repos/:owner/:repo/collaborators/:username/permission`,
      ({ request, params }) => {
        const auth = requireInstallationToken(request, ctx, params.owner, params.repo, [
          ["metadata", "read"],
        ]);
        if (!auth.ok) return auth.response;
        const user = findUser(ctx.state, params.username);
        if (!user) return githubError(404, `${params.username} is not a user`);
        const role = roleOf(auth.repo, user.login);
        const at = (p: Permission) => RANK.indexOf(role) >= RANK.indexOf(p);
        return githubJson({
          permission: LEGACY[role],
          role_name: role,
          user: {
            ...renderUser(ctx, user),
            permissions: {
              admin: at("admin"),
              maintain: at("maintain"),
              push: at("write"),
              triage: at("triage"),
              pull: at("read"),
            },
            role_name: role,
          },
        });
      },
    ),

    contentsHandler(ctx),
  ];
}
