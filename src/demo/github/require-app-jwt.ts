import type { HttpResponse } from "msw";
import { githubError } from "./github-error.js";
import { parseAuthorization } from "./parse-authorization.js";
import type { StandInContext } from "./stand-in-context.js";
import { verifyAppJwt } from "./verify-app-jwt.js";

/** null when the request carries a valid App JWT as `Bearer`; otherwise GitHub's 401. */
export function requireAppJwt(request: Request, ctx: StandInContext): HttpResponse<string> | null {
  const auth = parseAuthorization(request.headers.get("authorization"));
  if (auth?.scheme !== "bearer") {
    return githubError(401, "A JSON web token could not be decoded");
  }
  const check = verifyAppJwt(auth.credential, {
    publicKey: ctx.app.publicKey,
    appId: ctx.app.id,
    nowSeconds: Math.floor(Date.now() / 1000),
  });
  return check.ok ? null : githubError(401, check.message);
}
