import { describe, expect, it } from "vitest";
import type { GitHubClient } from "./github-client.js";
import { pinPull } from "./pin-pull.js";

const A = "a".repeat(40);
const B = "b".repeat(40);

/** A client whose pull request #7 has head B now. */
const octokit = {
  rest: {
    pulls: {
      get: async () => ({
        data: {
          number: 7,
          title: "Fix the login page",
          html_url: "https://github.com/acme/widgets/pull/7",
          changed_files: 1,
          head: { sha: B, ref: "feature", repo: { full_name: "acme/widgets" } },
          base: { ref: "main", repo: { full_name: "acme/widgets" } },
        },
      }),
    },
  },
} as unknown as GitHubClient;

describe("pinPull", () => {
  it("starts from the head the PR had when the comment was written, if a push came since", async () => {
    const asked: number[] = [];
    const { pull } = await pinPull(octokit, "acme", "widgets", 7, {
      at: "2026-11-24T10:00:00Z",
      headAt: async (n, atMs) => {
        asked.push(n, atMs);
        return A;
      },
    });
    expect(pull.headSha).toBe(A);
    expect(asked).toEqual([7, Date.parse("2026-11-24T10:00:00Z")]);
  });

  it("takes the head now when no push was recorded, or none came since", async () => {
    expect((await pinPull(octokit, "acme", "widgets", 7)).pull.headSha).toBe(B);
    expect(
      (await pinPull(octokit, "acme", "widgets", 7, { at: "2026-11-24T10:00:00Z", headAt: async () => null }))
        .pull.headSha,
    ).toBe(B);
    expect(
      (await pinPull(octokit, "acme", "widgets", 7, { at: "2026-11-24T10:00:00Z", headAt: async () => B }))
        .pull.headSha,
    ).toBe(B);
  });
});
