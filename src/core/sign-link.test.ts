import { afterEach, expect, it, vi } from "vitest";
import { randomToken, sha256Hex, signLink, timingSafeEqualText, verifyLink } from "./sign-link.js";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

it("verifies only the token signed for that purpose, id and secret", async () => {
  const token = await signLink("s3cret", "transcript", "abc");
  expect(await verifyLink("s3cret", "transcript", "abc", token)).toBe(true);
  expect(await verifyLink("s3cret", "transcript", "abd", token)).toBe(false);
  expect(await verifyLink("other", "transcript", "abc", token)).toBe(false);
  expect(await verifyLink("s3cret", "transcript", "abc", `${token.slice(0, -1)}x`)).toBe(false);
  expect(await verifyLink("s3cret", "transcript", "abc", `${token}x`)).toBe(false);
  expect(await verifyLink("s3cret", "transcript", "abc", "")).toBe(false);
});

it("makes distinct random tokens and stable hashes", async () => {
  const a = randomToken();
  expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(randomToken()).not.toBe(a);
  expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

it("compares secrets of any length with node:crypto's timingSafeEqual under Node", async () => {
  const nodeCrypto = process.getBuiltinModule("node:crypto");
  const compare = vi.spyOn(nodeCrypto, "timingSafeEqual");
  expect(await timingSafeEqualText("same", "same")).toBe(true);
  expect(await timingSafeEqualText("same", "different length")).toBe(false);
  expect(await timingSafeEqualText("", "")).toBe(true);
  // Always two 32-byte digests: equal lengths whatever was presented.
  expect(compare.mock.calls.map(([a, b]) => [a.byteLength, b.byteLength])).toEqual([
    [32, 32],
    [32, 32],
    [32, 32],
  ]);
});

it("uses crypto.subtle.timingSafeEqual where the platform has one (workerd)", async () => {
  const calls: Array<[number, number]> = [];
  const subtle = Object.create(crypto.subtle, {
    timingSafeEqual: {
      value(this: unknown, a: Uint8Array, b: Uint8Array) {
        // Called as a method, as workerd requires.
        expect(this).toBe(subtle);
        calls.push([a.byteLength, b.byteLength]);
        return a.every((x, i) => x === b[i]);
      },
    },
    // The real digest, bound to the real SubtleCrypto.
    digest: { value: crypto.subtle.digest.bind(crypto.subtle) },
  });
  vi.stubGlobal("crypto", { ...crypto, subtle, getRandomValues: crypto.getRandomValues.bind(crypto) });
  expect(await timingSafeEqualText("token", "token")).toBe(true);
  expect(await timingSafeEqualText("token", "tokens")).toBe(false);
  expect(calls).toEqual([
    [32, 32],
    [32, 32],
  ]);
});
