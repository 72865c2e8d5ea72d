import { describe, expect, it } from "vitest";
import { pullStateOf } from "./pull-state.js";

describe("pullStateOf", () => {
  it("reads a review event's pull request", () => {
    expect(pullStateOf({ pull_request: { state: "open", merged_at: null } })).toEqual({
      state: "open",
      merged: false,
    });
    expect(pullStateOf({ pull_request: { state: "closed", merged_at: "2026-01-02T03:04:05Z" } })).toEqual({
      state: "closed",
      merged: true,
    });
  });

  it("reads a comment's pull request, seen as an issue", () => {
    expect(pullStateOf({ issue: { state: "closed", pull_request: { merged_at: null } } })).toEqual({
      state: "closed",
      merged: false,
    });
  });

  it("says nothing when the payload does not say", () => {
    expect(pullStateOf({ issue: { state: "open" } })).toBeNull();
    expect(pullStateOf(null)).toBeNull();
  });
});
