import { expect, it } from "vitest";
import { randomToken, sha256Hex, signLink, verifyLink } from "./sign-link.js";

it("verifies only the token signed for that purpose, id and secret", async () => {
  const token = await signLink("s3cret", "transcript", "abc");
  expect(await verifyLink("s3cret", "transcript", "abc", token)).toBe(true);
  expect(await verifyLink("s3cret", "transcript", "abd", token)).toBe(false);
  expect(await verifyLink("other", "transcript", "abc", token)).toBe(false);
  expect(await verifyLink("s3cret", "transcript", "abc", `${token.slice(0, -1)}x`)).toBe(false);
  expect(await verifyLink("s3cret", "transcript", "abc", "")).toBe(false);
});

it("makes distinct random tokens and stable hashes", async () => {
  const a = randomToken();
  expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(randomToken()).not.toBe(a);
  expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});
