/**
 * Capability tokens for transcript links: HMAC-SHA256 over a purpose and the session id, and the
 * constant-time check of any presented secret. Web Crypto and the platform's own compare only, so
 * the same code runs in workerd and Node.
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

/** Whether `token` is the one signed for this purpose and id, compared in constant time. */
export async function verifyLink(
  secret: string,
  purpose: string,
  id: string,
  token: string,
): Promise<boolean> {
  return timingSafeEqualText(token, await signLink(secret, purpose, id));
}

type BytesEqual = (a: Uint8Array, b: Uint8Array) => boolean;

/**
 * The platform's constant-time compare: workerd's `crypto.subtle.timingSafeEqual` (a Cloudflare
 * extension: https://developers.cloudflare.com/workers/runtime-apis/web-crypto/#timingsafeequal),
 * else Node's `node:crypto` one, reached through `process.getBuiltinModule` so that this module
 * imports nothing workerd lacks. Looked up per call: cheap, and it lets a test stand in for workerd.
 */
function platformTimingSafeEqual(): BytesEqual {
  const subtle = crypto.subtle as unknown as { timingSafeEqual?: BytesEqual };
  const workerd = subtle.timingSafeEqual;
  if (typeof workerd === "function") return (a, b) => workerd.call(subtle, a, b);
  const node = (
    globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
  ).process?.getBuiltinModule?.("node:crypto") as { timingSafeEqual?: BytesEqual } | undefined;
  if (typeof node?.timingSafeEqual === "function") return node.timingSafeEqual;
  // Fail closed: never fall back to a comparison whose time leaks where the strings differ.
  throw new Error("no constant-time comparison on this platform");
}

/**
 * Whether two secrets are equal, in time that depends on neither's content nor length. Both are
 * hashed to 32 bytes first: the platform compares need equal lengths, and comparing lengths first
 * would tell a caller how long the secret is.
 */
export async function timingSafeEqualText(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([sha256(a), sha256(b)]);
  return platformTimingSafeEqual()(da, db);
}

/** SHA-256 hex of a secret, for storing sandbox tokens without storing the tokens. */
export async function sha256Hex(value: string): Promise<string> {
  return [...(await sha256(value))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256(value: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(value)));
}

/** A random token with 256 bits of entropy, URL-safe. */
export function randomToken(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return toBase64Url(bytes.buffer);
}
