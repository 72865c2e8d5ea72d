/**
 * A checklist line's words for a group of steps ({@link groupSteps}): one step reads as
 * {@link describeToolCall} says it; reads are counted and named; edits of one file are merged.
 */
import { describeToolCall, STEP_LABEL_MAX, type StepText } from "./describe-tool-call.js";
import { formatCount } from "./format-count.js";
import { codeSpan, truncate } from "./gfm-escape.js";
import type { StepGroup } from "./group-steps.js";
import type { RunStep } from "./summarize-run.js";

/** Files named on a "Read N files" line; the rest are counted, and the transcript lists them all. */
const READS_NAMED = 3;

export function describeStepGroup(group: StepGroup): StepText {
  const first = group.steps[0]!;
  if (group.steps.length === 1) return describeToolCall(first.call, first.exitCode);
  if (first.call.kind === "edit") return describeToolCall({ ...first.call, ...summedLines(group.steps) });
  return describeReads(group.steps);
}

/**
 * `Read 4 files: `a.ts`, `b.ts`, `c.ts` and 1 more`. Files are counted once however often they were
 * read; a read with no path counts as a file of its own.
 */
function describeReads(steps: readonly RunStep[]): StepText {
  const paths = [...new Set(steps.flatMap((s) => (s.call.path ? [s.call.path] : [])))];
  const count = paths.length + steps.filter((s) => !s.call.path).length;
  if (count === 1) return describeToolCall(steps[0]!.call);
  const named = paths.slice(0, READS_NAMED).map((p) => codeSpan(truncate(p, STEP_LABEL_MAX)));
  const more = count - named.length;
  const list =
    named.length === 0 ? "" : `: ${named.join(", ")}${more > 0 ? ` and ${formatCount(more)} more` : ""}`;
  const object = `${formatCount(count)} files${list}`;
  return {
    done: `Read ${object}`,
    now: `Reading ${object}`,
    attempt: `Read ${object}`,
    failed: `Read ${object}`,
  };
}

/** Lines added and removed over all the edits, counting only those the adapter could count. */
function summedLines(steps: readonly RunStep[]): { added?: number; removed?: number } {
  const sum = (field: "added" | "removed") =>
    steps.some((s) => s.call[field] !== undefined)
      ? steps.reduce((n, s) => n + (s.call[field] ?? 0), 0)
      : undefined;
  return { added: sum("added"), removed: sum("removed") };
}
