import { describe, expect, it } from "vitest";
import { renderReliabilityReport } from "./write-reliability-report.js";

describe("renderReliabilityReport", () => {
  it("writes the command, the machine, one table per group and the notes", () => {
    const md = renderReliabilityReport(
      [
        {
          group: "faults",
          name: "bridge killed",
          tried: 10,
          survived: 10,
          lost: 0,
          letIn: 0,
          notes: "3 s | max",
        },
        { group: "load", name: "flood", tried: 2000, survived: 1990, lost: 10, letIn: 0 },
      ],
      { date: new Date("2026-11-24T10:00:00Z"), durationS: 200 },
    );
    expect(md).toMatch(/^# Reliability\n/);
    expect(md).toContain("`npm run test:chaos`");
    expect(md).toContain("2026-11-24");
    expect(md).toMatch(/\d+ cores/);
    expect(md).toContain(`Node ${process.version}`);
    expect(md).toContain("The suite took 200 s.");
    expect(md).toContain("| case | tried | survived | lost | let in |");
    expect(md).toContain("| bridge killed | 10 | 10 | 0 | 0 |");
    // A case that did not hold is bold and named at the top.
    expect(md).toContain("| **flood** | 2000 | 1990 | 10 | 0 |");
    expect(md).toContain("**1 of 2 cases did not hold:** flood.");
    expect(md).toContain("## Abuse");
    expect(md).toContain("_No results recorded for this group in this run._");
    expect(md).toContain("- **bridge killed** (faults): 3 s | max");
    const order = ["## Faults", "## Load", "## Abuse", "## Notes"].map((h) => md.indexOf(h));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});
