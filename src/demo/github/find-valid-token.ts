import { now } from "./now.js";
import type { StandInContext } from "./stand-in-context.js";
import type { StandInToken } from "./stand-in-state.js";

/** The installation token with this secret, if it exists, has not expired and its installation lives. */
export function findValidToken(ctx: StandInContext, secret: string): StandInToken | undefined {
  const token = ctx.state.tokens.find((t) => t.token === secret);
  if (!token || token.expiresAt <= now()) return undefined;
  if (!ctx.state.installations.some((i) => i.id === token.installationId)) return undefined;
  return token;
}
