import { describe, expect, it } from "vitest";
import { pullHeadEvent } from "./pull-head-event.js";

const event = (action: string) => ({
  action,
  number: 7,
  pull_request: { head: { sha: "a".repeat(40) }, updated_at: "2026-11-24T10:00:05Z" },
  repository: { id: 42 },
});

describe("pullHeadEvent", () => {
  it.each(["opened", "reopened", "synchronize"])(
    "reads the head a %s event announces, from when",
    (action) => {
      expect(pullHeadEvent(event(action))).toEqual({
        repoId: 42,
        number: 7,
        sha: "a".repeat(40),
        atMs: Date.parse("2026-11-24T10:00:05Z"),
      });
    },
  );

  it("ignores events that do not move the head, and payloads of another shape", () => {
    expect(pullHeadEvent(event("labeled"))).toBeNull();
    expect(pullHeadEvent(event("closed"))).toBeNull();
    expect(pullHeadEvent({ action: "synchronize" })).toBeNull();
  });
});
