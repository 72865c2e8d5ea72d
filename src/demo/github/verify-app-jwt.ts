import { type KeyObject, verify } from "node:crypto";
import * as z from "zod";

const Header = z.object({ alg: z.literal("RS256") });
const Claims = z.object({
  iss: z.union([z.number(), z.string()]),
  iat: z.number().int(),
  exp: z.number().int(),
});

/** GitHub refuses an App JWT whose expiry is more than ten minutes ahead. */
const MAX_LIFETIME_SECONDS = 600;
/** Octokit backdates `iat` by 30 s for clock drift; allow the same slack the other way. */
const CLOCK_SKEW_SECONDS = 60;

export type JwtCheck = { ok: true } | { ok: false; message: string };

/**
 * Checks an App JWT the way GitHub does: RS256 signed by the App's key, `iss` the App id, issued
 * in the past, expiring in the future and no more than ten minutes out. Messages are GitHub's.
 * https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
 */
export function verifyAppJwt(
  jwt: string,
  opts: { publicKey: KeyObject; appId: number; nowSeconds: number },
): JwtCheck {
  const parts = jwt.split(".");
  const [head, body, signature] = parts;
  if (parts.length !== 3 || head === undefined || body === undefined || signature === undefined) {
    return { ok: false, message: "A JSON web token could not be decoded" };
  }
  const header = Header.safeParse(decodeSegment(head));
  const claims = Claims.safeParse(decodeSegment(body));
  if (!header.success || !claims.success) {
    return { ok: false, message: "A JSON web token could not be decoded" };
  }
  const signed = verify(
    "RSA-SHA256",
    Buffer.from(`${head}.${body}`),
    opts.publicKey,
    Buffer.from(signature, "base64url"),
  );
  if (!signed || String(claims.data.iss) !== String(opts.appId)) {
    return { ok: false, message: "A JSON web token could not be decoded" };
  }
  const { iat, exp } = claims.data;
  if (iat > opts.nowSeconds + CLOCK_SKEW_SECONDS) {
    return {
      ok: false,
      message:
        "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued.",
    };
  }
  if (exp <= opts.nowSeconds) {
    return {
      ok: false,
      message:
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.",
    };
  }
  if (
    exp > opts.nowSeconds + MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS ||
    exp - iat > MAX_LIFETIME_SECONDS + 60
  ) {
    return { ok: false, message: "'Expiration time' claim ('exp') is too far in the future." };
  }
  return { ok: true };
}

function decodeSegment(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}
