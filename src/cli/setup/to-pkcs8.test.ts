import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SetupError } from "./setup-error.js";
import { toPkcs8 } from "./to-pkcs8.js";

describe("toPkcs8", () => {
  it("rewraps GitHub's PKCS#1 key as PKCS#8, the same key", () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
    });
    expect(privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    const pkcs8 = toPkcs8(privateKey);
    expect(pkcs8).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    const spki = (pem: string) =>
      createPublicKey(createPrivateKey(pem)).export({ type: "spki", format: "der" });
    expect(spki(pkcs8).equals(spki(privateKey))).toBe(true);
  });

  it("says what to do with a key it cannot read", () => {
    expect(() => toPkcs8("-----BEGIN RSA PRIVATE KEY-----\nnope\n-----END RSA PRIVATE KEY-----\n")).toThrow(
      SetupError,
    );
    expect(() => toPkcs8("garbage")).toThrow(/openssl pkcs8 -topk8/);
  });
});
