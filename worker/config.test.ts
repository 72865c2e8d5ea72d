import { describe, expect, it } from "vitest";
import { ConfigError, configProblems, parseConfig } from "./config.js";

const base = {
  APP_ID: "123",
  PRIVATE_KEY: "-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----",
  WEBHOOK_SECRET: "s3cret",
  SANDBOX_HOST_SECRET: "0123456789abcdef0123",
};

describe("parseConfig", () => {
  it("accepts a minimal configuration and fills in the defaults", () => {
    const c = parseConfig(base);
    expect(c).toMatchObject({
      SANDBOX_HEARTBEAT_MS: 15_000,
      SANDBOX_SILENCE_MS: 120_000,
      APP_SLUG: "understudy",
    });
    expect(c.PRIVATE_KEY).toContain("\n");
  });

  it("refuses a silence timeout that healthy runs would trip between heartbeats, naming the setting", () => {
    const env = { ...base, SANDBOX_SILENCE_MS: "20000", SANDBOX_HEARTBEAT_MS: "15000" };
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(configProblems(env)).toEqual([
      expect.stringMatching(/^SANDBOX_SILENCE_MS: must be at least 3 × SANDBOX_HEARTBEAT_MS/),
    ]);
    expect(configProblems({ ...env, SANDBOX_SILENCE_MS: "45000" })).toEqual([]);
  });

  it("names every broken setting", () => {
    const problems = configProblems({
      ...base,
      APP_ID: "my-app",
      PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----",
    });
    expect(problems.map((p) => p.split(":")[0])).toEqual(["APP_ID", "PRIVATE_KEY"]);
    expect(problems[1]).toMatch(/PKCS#8/);
  });
});
