import { expect, it } from "vitest";
import { REDACTED, redact, redactDeep } from "./redact.js";

it("redacts GitHub and model-provider tokens by their documented prefixes", () => {
  const token = `ghs_${"a1B2".repeat(9)}`;
  expect(redact(`pushing with ${token} now`)).toBe(`pushing with ${REDACTED} now`);
  expect(redact(`key sk-ant-api03-${"x".repeat(40)}`)).toBe(`key ${REDACTED}`);
  expect(redact(`github_pat_${"A".repeat(40)}`)).toBe(REDACTED);
});

it("redacts authorization headers but keeps the header name", () => {
  expect(redact("Authorization: Basic eC1hY2Nlc3MtdG9rZW46Z2hz")).toBe(`Authorization: Basic ${REDACTED}`);
});

it("redacts private keys and known secrets", () => {
  const pem = "-----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY-----";
  expect(redact(pem)).toBe(`-----BEGIN PRIVATE KEY-----\n${REDACTED}\n-----END PRIVATE KEY-----`);
  expect(redact("the secret is hunter2hunter2", ["hunter2hunter2"])).toBe(`the secret is ${REDACTED}`);
});

it("walks nested values", () => {
  const t = `ghp_${"z".repeat(36)}`;
  expect(redactDeep({ a: [t, 1], b: { c: t } })).toEqual({ a: [REDACTED, 1], b: { c: REDACTED } });
});
