import { expect, it } from "vitest";
import { branchName } from "./branch-name.js";

it("builds understudy/<issue>-<slug> from the title", () => {
  expect(branchName("understudy", 42, "Fix the flaky date test!")).toBe(
    "understudy/42-fix-the-flaky-date-test",
  );
});

it("keeps refs valid for accents, symbols and very long titles", () => {
  expect(branchName("understudy/", 7, "Café: ~^:?*[ weird \\ title..lock")).toBe(
    "understudy/7-cafe-weird-title-lock",
  );
  const long = branchName("understudy", 1, `${"a".repeat(30)} ${"b".repeat(30)}`);
  expect(long.length).toBeLessThanOrEqual("understudy/1-".length + 40);
  expect(long).not.toMatch(/-$/);
});

it("falls back to the number alone when the title has no usable characters", () => {
  expect(branchName("understudy", 3, "🚀🚀")).toBe("understudy/3");
});
