import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { configProblems, parseConfig } from "../../../worker/config.js";
import { readDevVars } from "../run-start.js";
import { renderDevVars } from "./render-dev-vars.js";

const pkcs8 = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();
const app = {
  id: 1234,
  slug: "mona-understudy",
  name: "Mona Understudy",
  htmlUrl: "https://github.com/apps/mona-understudy",
  privateKeyPkcs8: pkcs8,
  webhookSecret: "e340154128314309424b7c8e90325147d99fdafa",
};
let n = 0;
const newSecret = () => `${++n}`.padStart(64, "0");

/** What `npm start` would read back from the text. */
function readBack(text: string): Record<string, string> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "dev-vars-")), ".dev.vars");
  writeFileSync(file, text);
  return readDevVars(file);
}

describe("renderDevVars", () => {
  it("writes what the Worker needs, in a form npm start and the Worker's config read back", () => {
    const text = renderDevVars({
      app,
      previous: {},
      carry: { WEBHOOK_PROXY_URL: "https://smee.io/abc" },
      newSecret,
    });
    expect(text).toMatch(/^# Written by `npm run setup` for the GitHub App "Mona Understudy"/);
    expect(text).toContain('PRIVATE_KEY="-----BEGIN PRIVATE KEY-----\\nMII');
    expect(text).toContain("# ANTHROPIC_API_KEY=sk-ant-...");
    const vars = readBack(text);
    expect(vars).toMatchObject({
      APP_ID: "1234",
      APP_SLUG: "mona-understudy",
      WEBHOOK_SECRET: app.webhookSecret,
      WEBHOOK_PROXY_URL: "https://smee.io/abc",
      SANDBOX_HOST_SECRET: expect.stringMatching(/^0+\d+$/),
      LINK_SECRET: expect.stringMatching(/^0+\d+$/),
    });
    expect(vars.SANDBOX_HOST_SECRET).not.toBe(vars.LINK_SECRET);
    expect(configProblems(vars)).toEqual([]);
    const key = parseConfig(vars).PRIVATE_KEY;
    expect(createPrivateKey(key).export({ type: "pkcs8", format: "pem" })).toBe(pkcs8);
  });

  it("keeps the other entries and secrets of an existing file, and replaces the App's", () => {
    const previous = {
      APP_ID: "1",
      PRIVATE_KEY: "old",
      ANTHROPIC_API_KEY: "sk-ant-kept",
      SANDBOX_HOST_SECRET: "k".repeat(32),
      LINK_SECRET: "short",
      ADMIN_TOKEN: "a".repeat(20),
    };
    const vars = readBack(renderDevVars({ app, previous, carry: {}, newSecret }));
    expect(vars).toMatchObject({
      APP_ID: "1234",
      ANTHROPIC_API_KEY: "sk-ant-kept",
      SANDBOX_HOST_SECRET: "k".repeat(32),
      ADMIN_TOKEN: "a".repeat(20),
      LINK_SECRET: expect.stringMatching(/^0+\d+$/),
    });
    expect(vars.PRIVATE_KEY).toContain("BEGIN PRIVATE KEY");
  });
});
