import { createHash, timingSafeEqual } from "node:crypto";

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/**
 * A check of a presented secret against `secret`, with node:crypto's constant-time compare. Both
 * sides are hashed to 32 bytes first: `timingSafeEqual` needs equal lengths, and hashing keeps the
 * time independent of the presented value's length as well as its content.
 */
export function secretVerifier(secret: string): (presented: string) => boolean {
  const expected = digest(secret);
  return (presented) => timingSafeEqual(digest(presented), expected);
}
