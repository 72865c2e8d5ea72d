import { describe, expect, it } from "vitest";
import { BRANCH_URL, baseView, PR } from "../../test/support/session-scenario.js";
import { compareUrl } from "./compare-url.js";

describe("compareUrl", () => {
  it("is null until a branch was pushed", () => {
    expect(compareUrl(baseView())).toBeNull();
    expect(compareUrl(baseView({ pr: PR }))).toBeNull();
  });

  it("compares the branch with its base on github.com", () => {
    expect(compareUrl(baseView({ branchUrl: BRANCH_URL }))).toBe(
      "https://github.com/acme/widgets/compare/main...understudy/12-add-a-greeting-file",
    );
  });

  it("takes the host from the pull request first, then the branch (GitHub Enterprise)", () => {
    const pr = { number: 1, url: "https://ghe.example.com/acme/widgets/pull/1" };
    expect(compareUrl(baseView({ branchUrl: "https://other.example.com/x", pr }))).toMatch(
      /^https:\/\/ghe\.example\.com\/acme\/widgets\/compare\//,
    );
    expect(compareUrl(baseView({ branchUrl: "not a url" }))).toMatch(/^https:\/\/github\.com\//);
  });

  it("encodes each part of the path, keeping a ref's slashes", () => {
    const view = baseView({
      branchUrl: BRANCH_URL,
      repo: { owner: "a b", name: "w?x" },
      baseBranch: "release/2.x",
      branch: "feat/#1 ça",
    });
    expect(compareUrl(view)).toBe("https://github.com/a%20b/w%3Fx/compare/release/2.x...feat/%231%20%C3%A7a");
  });
});
