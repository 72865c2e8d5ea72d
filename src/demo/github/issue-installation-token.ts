import { randomBytes } from "node:crypto";
import { hasPermission } from "./has-permission.js";
import { now } from "./now.js";
import type { StandInContext } from "./stand-in-context.js";
import type { AccessLevel, StandInToken } from "./stand-in-state.js";

/** Installation tokens live one hour. */
const TOKEN_LIFETIME_MS = 60 * 60 * 1000;

export type TokenRequest = {
  repositories?: string[];
  repository_ids?: number[];
  permissions?: Record<string, AccessLevel>;
};

/**
 * Mints an installation token (`ghs_` + 36 characters, like GitHub's) scoped to the installation's
 * repositories or the subset named, with the installation's permissions or the subset asked for.
 * Errors carry GitHub's status and message.
 */
export function issueInstallationToken(
  ctx: StandInContext,
  installationId: number,
  request: TokenRequest = {},
): { ok: true; token: StandInToken } | { ok: false; status: number; message: string } {
  const installation = ctx.state.installations.find((i) => i.id === installationId);
  if (!installation) return { ok: false, status: 404, message: "Not Found" };
  const installed = ctx.state.repos.filter((r) => r.installationId === installationId);

  const names = request.repositories ?? [];
  const ids = request.repository_ids ?? [];
  const byName = names.map((n) => installed.find((r) => r.name.toLowerCase() === n.toLowerCase()));
  const byId = ids.map((id) => installed.find((r) => r.id === id));
  const selected = [...byName, ...byId];
  if (selected.some((r) => r === undefined)) {
    return {
      ok: false,
      status: 422,
      message:
        "There is at least one repository that does not exist or is not accessible to the parent installation.",
    };
  }

  const permissions = request.permissions ?? installation.permissions;
  for (const [name, level] of Object.entries(permissions)) {
    if (!hasPermission(installation.permissions, name, level)) {
      return {
        ok: false,
        status: 422,
        message: "The permissions requested are not granted to this installation.",
      };
    }
  }

  const createdAt = now();
  const subset = selected.length > 0;
  const token: StandInToken = {
    token: `ghs_${randomAlphanumeric(36)}`,
    installationId,
    repositoryIds: subset ? [...new Set(selected.map((r) => r!.id))] : installed.map((r) => r.id),
    repositorySelection: subset ? "selected" : "all",
    permissions: { ...permissions },
    createdAt,
    expiresAt: createdAt + TOKEN_LIFETIME_MS,
  };
  ctx.state.tokens.push(token);
  ctx.events.emit("token_created", token, createdAt);
  return { ok: true, token };
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** GitHub tokens are `[A-Za-z0-9]` after the prefix; redaction patterns rely on it. */
function randomAlphanumeric(length: number): string {
  // 248 is the largest multiple of 62 below 256: rejecting bytes above it keeps the draw uniform.
  const out: string[] = [];
  for (let attempt = 0; out.length < length && attempt < 16; attempt += 1) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out.push(ALPHABET[byte % 62]!);
    }
  }
  return out.join("");
}
