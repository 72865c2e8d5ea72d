import { describe, expect, it } from "vitest";
import { describeStepGroup } from "./describe-step-group.js";
import { groupSteps } from "./group-steps.js";
import type { RunStep, StepState } from "./summarize-run.js";
import type { ToolCall } from "./wire.js";

let id = 0;
const step = (fields: Omit<ToolCall, "callId" | "status" | "name">, state: StepState = "done"): RunStep => ({
  call: { callId: `c${++id}`, name: "Tool", status: "running", ...fields },
  state,
  output: undefined,
});
const shape = (steps: RunStep[]) => groupSteps(steps).map((g) => [g.steps.length, g.state]);

describe("groupSteps", () => {
  it("groups consecutive reads, and consecutive edits of one file, in call order", () => {
    expect(
      shape([
        step({ kind: "read", path: "a" }),
        step({ kind: "read", path: "b" }),
        step({ kind: "edit", path: "a" }),
        step({ kind: "edit", path: "a" }),
        step({ kind: "edit", path: "b" }),
        step({ kind: "read", path: "c" }),
      ]),
    ).toEqual([
      [2, "done"],
      [2, "done"],
      [1, "done"],
      [1, "done"],
    ]);
  });

  it("never groups commands, searches, writes, edits without a path, or failures", () => {
    const alone = [
      step({ kind: "shell", command: "ls" }),
      step({ kind: "shell", command: "ls" }),
      step({ kind: "search", query: "x" }),
      step({ kind: "search", query: "x" }),
      step({ kind: "write", path: "a" }),
      step({ kind: "write", path: "a" }),
      step({ kind: "edit" }),
      step({ kind: "edit" }),
      step({ kind: "read", path: "a" }, "error"),
      step({ kind: "read", path: "b" }, "error"),
    ];
    expect(groupSteps(alone)).toHaveLength(alone.length);
  });

  it("a group is running while any of its steps is", () => {
    expect(shape([step({ kind: "read", path: "a" }, "running"), step({ kind: "read", path: "b" })])).toEqual([
      [2, "running"],
    ]);
  });
});

describe("describeStepGroup", () => {
  const one = (...steps: RunStep[]) => {
    const groups = groupSteps(steps);
    expect(groups).toHaveLength(1);
    return describeStepGroup(groups[0]!);
  };

  it("sums the lines of merged edits, counting only those the adapter counted", () => {
    expect(
      one(step({ kind: "edit", path: "a.ts", added: 2 }), step({ kind: "edit", path: "a.ts", removed: 5 }))
        .done,
    ).toBe("Edited `a.ts` (+2 −5)");
    expect(one(step({ kind: "edit", path: "a.ts" }), step({ kind: "edit", path: "a.ts" })).now).toBe(
      "Editing `a.ts`",
    );
  });

  it("counts files read once each; one file read twice is named, not counted", () => {
    expect(one(step({ kind: "read", path: "a.ts" }), step({ kind: "read", path: "a.ts" })).done).toBe(
      "Read `a.ts`",
    );
    expect(one(step({ kind: "read" }), step({ kind: "read" })).done).toBe("Read 2 files");
    expect(one(step({ kind: "read", path: "a.ts" }), step({ kind: "read" })).now).toBe(
      "Reading 2 files: `a.ts` and 1 more",
    );
    const five = ["a", "b", "c", "d", "e"].map((p) => step({ kind: "read", path: `${p}.ts` }));
    expect(one(...five).done).toBe("Read 5 files: `a.ts`, `b.ts`, `c.ts` and 2 more");
  });

  it("cuts long paths, so a line stays short whatever the agent read", () => {
    const long = [
      step({ kind: "read", path: "x".repeat(5_000) }),
      step({ kind: "read", path: "y".repeat(5_000) }),
    ];
    expect(one(...long).done.length).toBeLessThan(250);
  });
});
