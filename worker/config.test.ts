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

describe("SANDBOX_PROVIDER", () => {
  it("takes local (loopback) and remote (https) hosts, and names what is wrong otherwise", () => {
    expect(configProblems({ ...base, SANDBOX_HOST_URL: "http://localhost:8788" })).toEqual([]);
    expect(
      configProblems({
        ...base,
        SANDBOX_PROVIDER: "remote",
        SANDBOX_HOST_URL: "https://sandboxes.example.com",
      }),
    ).toEqual([]);
    expect(configProblems({ ...base, SANDBOX_HOST_URL: "https://sandboxes.example.com" })).toEqual([
      expect.stringMatching(
        /^SANDBOX_HOST_URL: sandboxes.example.com is not this machine: .*SANDBOX_PROVIDER=remote/,
      ),
    ]);
    expect(
      configProblems({ ...base, SANDBOX_PROVIDER: "remote", SANDBOX_HOST_URL: "http://10.0.0.5:8790" }),
    ).toEqual([expect.stringMatching(/^SANDBOX_HOST_URL: must be https:\/\/ with SANDBOX_PROVIDER=remote/)]);
    expect(configProblems({ ...base, SANDBOX_PROVIDER: "modal" })).toEqual([
      'SANDBOX_PROVIDER: SANDBOX_PROVIDER must be one of local, remote, cloudflare, not "modal"',
    ]);
    const { SANDBOX_HOST_SECRET: _, ...noSecret } = base;
    expect(
      configProblems({ ...noSecret, SANDBOX_PROVIDER: "remote", SANDBOX_HOST_URL: "https://s.example.com" }),
    ).toEqual([
      "SANDBOX_HOST_SECRET: SANDBOX_HOST_SECRET is required with SANDBOX_PROVIDER=remote (the secret the sandbox host shares)",
    ]);
  });

  it("takes cloudflare with the SANDBOX binding and a model key, and no sandbox host secret", () => {
    const { SANDBOX_HOST_SECRET: _, ...noSecret } = base;
    const cloudflare = { ...noSecret, SANDBOX_PROVIDER: "cloudflare", SANDBOX: {} };
    expect(configProblems({ ...cloudflare, ANTHROPIC_API_KEY: "sk-ant-x" })).toEqual([]);
    expect(configProblems({ ...cloudflare, OPENAI_API_KEY: "sk-x" })).toEqual([]);
    expect(parseConfig({ ...cloudflare, OPENAI_API_KEY: "sk-x" })).toMatchObject({
      SANDBOX_ISOLATION: "bubblewrap",
      // A cold container may take the SDK's 120 s to start.
      SANDBOX_CONNECT_MS: 180_000,
    });
    expect(parseConfig(base).SANDBOX_CONNECT_MS).toBe(60_000);
    expect(
      parseConfig({ ...cloudflare, OPENAI_API_KEY: "sk-x", SANDBOX_CONNECT_MS: "90000" }).SANDBOX_CONNECT_MS,
    ).toBe(90_000);
    expect(configProblems(cloudflare)).toEqual([
      expect.stringMatching(
        /^ANTHROPIC_API_KEY: SANDBOX_PROVIDER=cloudflare needs the model key as a Worker secret/,
      ),
    ]);
    const { SANDBOX: __, ...unbound } = cloudflare;
    expect(() => parseConfig({ ...unbound, ANTHROPIC_API_KEY: "sk-ant-x" })).toThrow(
      /SANDBOX: SANDBOX_PROVIDER=cloudflare needs the SANDBOX Durable Object binding .*uncomment the containers section of wrangler\.toml/,
    );
    expect(
      configProblems({ ...cloudflare, ANTHROPIC_API_KEY: "sk-ant-x", ANTHROPIC_BASE_URL: "nope" }),
    ).toEqual(['ANTHROPIC_BASE_URL: ANTHROPIC_BASE_URL must be a URL, not "nope"']);
    // The sandbox host's own settings, in the same .dev.vars: not the Worker's business.
    expect(configProblems({ ...base, ANTHROPIC_BASE_URL: "" })).toEqual([]);
    expect(
      configProblems({ ...cloudflare, ANTHROPIC_API_KEY: "sk-ant-x", SANDBOX_ISOLATION: "off" }),
    ).toEqual(['SANDBOX_ISOLATION: SANDBOX_ISOLATION must be bubblewrap or none, not "off"']);
  });
});
