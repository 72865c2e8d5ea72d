import { expect, it } from "vitest";
import { startControlPlane } from "./start-control-plane.js";

const vars = {
  APP_ID: "1",
  PRIVATE_KEY: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----",
  WEBHOOK_SECRET: "s3cret",
  SANDBOX_HOST_SECRET: "0123456789abcdef0123",
};

it("refuses to start with a configuration that cannot work, naming the setting", async () => {
  await expect(
    startControlPlane({ vars: { ...vars, SANDBOX_SILENCE_MS: "1000", SANDBOX_HEARTBEAT_MS: "30000" } }),
  ).rejects.toThrow(/SANDBOX_SILENCE_MS: must be at least 3 × SANDBOX_HEARTBEAT_MS/);
});

it("does not report settings it was told are placeholders", async () => {
  await expect(
    startControlPlane({
      vars: { ...vars, APP_ID: "0x", SANDBOX_HOST_SECRET: "short" },
      placeholders: ["APP_ID"],
    }),
  ).rejects.toThrow(/^Understudy is misconfigured:\nSANDBOX_HOST_SECRET/);
});
