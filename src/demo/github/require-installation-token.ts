import type { HttpResponse } from "msw";
import { findRepo } from "./find-repo.js";
import { findValidToken } from "./find-valid-token.js";
import { githubError } from "./github-error.js";
import { hasPermission } from "./has-permission.js";
import { parseAuthorization } from "./parse-authorization.js";
import type { StandInContext } from "./stand-in-context.js";
import type { AccessLevel, StandInRepo, StandInToken } from "./stand-in-state.js";
import { tokenCoversRepo } from "./token-covers-repo.js";

/** Any one of these grants access, e.g. issue comments accept issues or pull_requests write. */
export type Needs = ReadonlyArray<readonly [permission: string, level: AccessLevel]>;

export type Authorized = { ok: true; token: StandInToken; repo: StandInRepo };

/**
 * Authenticates an installation token (`token X` or `Bearer X`) for one repository: 401 for a
 * missing, unknown or expired token, 404 for an unknown repository, 403 for a repository outside
 * the token's scope or a permission the token lacks (GitHub's "Resource not accessible by integration").
 */
export function requireInstallationToken(
  request: Request,
  ctx: StandInContext,
  owner: string,
  name: string,
  needs: Needs,
): Authorized | { ok: false; response: HttpResponse<string> } {
  const auth = parseAuthorization(request.headers.get("authorization"));
  const token =
    auth && (auth.scheme === "token" || auth.scheme === "bearer")
      ? findValidToken(ctx, auth.credential)
      : undefined;
  if (!token) return { ok: false, response: githubError(401, "Bad credentials") };
  const repo = findRepo(ctx.state, owner, name);
  if (!repo) return { ok: false, response: githubError(404, "Not Found") };
  const inScope = tokenCoversRepo(token, repo);
  const permitted =
    needs.length === 0 || needs.some(([p, level]) => hasPermission(token.permissions, p, level));
  if (!inScope || !permitted) {
    return { ok: false, response: githubError(403, "Resource not accessible by integration") };
  }
  return { ok: true, token, repo };
}
