import { createPrivateKey, sign } from "node:crypto";

/**
 * An App JWT as Octokit makes one (iat 30 s in the past, exp 9.5 min ahead), for tests that call
 * `/app/...` endpoints with plain fetch. `claims` overrides any claim, e.g. to forge a bad one.
 */
export function signAppJwt(opts: {
  appId: number;
  privateKeyPkcs8: string;
  nowSeconds?: number;
  claims?: Record<string, unknown>;
}): string {
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  const header = { alg: "RS256", typ: "JWT" };
  const claims = { iat: now - 30, exp: now + 570, iss: opts.appId, ...opts.claims };
  const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const input = `${encode(header)}.${encode(claims)}`;
  const signature = sign("RSA-SHA256", Buffer.from(input), createPrivateKey(opts.privateKeyPkcs8));
  return `${input}.${signature.toString("base64url")}`;
}
