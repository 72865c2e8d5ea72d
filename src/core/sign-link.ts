/**
 * Capability tokens for transcript links: HMAC-SHA256 over a purpose and the session id. Web Crypto
 * only, so the same code runs in workerd and Node.
 */
const encoder = new TextEncoder();

const toBase64Url = (bytes: ArrayBuffer): string =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

async function hmac(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return toBase64Url(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
}

export function signLink(secret: string, purpose: string, id: string): Promise<string> {
  return hmac(secret, `${purpose}:${id}`);
}

/** Constant-time comparison of a presented token with the expected one. */
export async function verifyLink(
  secret: string,
  purpose: string,
  id: string,
  token: string,
): Promise<boolean> {
  const expected = await signLink(secret, purpose, id);
  if (token.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ token.charCodeAt(i);
  return diff === 0;
}

/** SHA-256 hex of a secret, for storing sandbox tokens without storing the tokens. */
export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(value));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A random token with 256 bits of entropy, URL-safe. */
export function randomToken(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return toBase64Url(bytes.buffer);
}
