import { describe, expect, it } from "vitest";
import { ALLOWED_TRANSITIONS, canTransition, isStoppable } from "./session-transitions.js";
import { SessionStatus } from "./wire.js";

const ALL = SessionStatus.options;

describe("the run's state machine", () => {
  it("allows the happy path and every terminal outcome", () => {
    const path: SessionStatus[] = ["queued", "provisioning", "running", "finishing", "completed"];
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!)).toBe(true);
    for (const live of ["queued", "provisioning", "running"] as const) {
      expect(canTransition(live, "failed")).toBe(true);
      expect(canTransition(live, "cancelled")).toBe(true);
    }
    expect(canTransition("finishing", "failed")).toBe(true);
  });

  it("lets a terminal run be followed by the next run, and nothing else", () => {
    for (const end of ["completed", "failed", "cancelled"] as const) {
      expect(ALLOWED_TRANSITIONS[end]).toEqual(["queued"]);
    }
  });

  it("refuses every transition not in the table", () => {
    const refused: string[] = [];
    for (const from of ALL) for (const to of ALL) if (!canTransition(from, to)) refused.push(`${from}→${to}`);
    // Spot checks of the ones that matter: no going back, no skipping to success, no self-loops.
    expect(refused).toEqual(
      expect.arrayContaining([
        "running→provisioning",
        "running→completed",
        "queued→completed",
        "finishing→running",
        "finishing→cancelled",
        "completed→running",
        "running→running",
        "completed→completed",
      ]),
    );
    expect(refused.length + Object.values(ALLOWED_TRANSITIONS).flat().length).toBe(ALL.length ** 2);
  });

  it("says which states a stop can end", () => {
    expect(ALL.filter(isStoppable)).toEqual(["queued", "provisioning", "running"]);
  });
});
