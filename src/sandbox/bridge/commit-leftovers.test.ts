import { expect, it } from "vitest";
import type { SandboxSpec } from "../../core/wire.js";
import { commitMessage } from "./commit-leftovers.js";

const spec = {
  commitTitle: "Add a CHANGELOG (#4)",
  coAuthor: { name: "octocat", email: "1+octocat@users.noreply.github.com" },
} as SandboxSpec;

it("redacts a credential the agent's summary repeats, and keeps the trailer", () => {
  const token = `ghs_${"Zx9".repeat(12)}`;
  const message = commitMessage(spec, `Added the file.\n\nUsed ${token} to check the API.`);
  expect(message).not.toContain(token);
  expect(message).toBe(
    "Add a CHANGELOG (#4)\n\nAdded the file.\n\nUsed [redacted] to check the API.\n\nCo-authored-by: octocat <1+octocat@users.noreply.github.com>",
  );
});
