/**
 * Consecutive steps a person would name once: an agent reads four files in a row or edits one file
 * five times, and a reader wants "Read 4 files" and "Edited `a.ts` (+12 −3)", not nine lines.
 */
import type { RunStep, StepState } from "./summarize-run.js";

/** One line of the checklist: one step, or a run of steps of one kind. Never empty. */
export interface StepGroup {
  steps: RunStep[];
  /** `running` while any step of it is; `error` only for a single failed step. */
  state: StepState;
}

/**
 * Groups consecutive reads, and consecutive edits of the same file, in call order. Anything else
 * in between ends the group. A failed step always stands on its own line, so a failure is never
 * folded into a count of steps that went fine.
 */
export function groupSteps(steps: readonly RunStep[]): StepGroup[] {
  const groups: StepGroup[] = [];
  let lastKey: string | undefined;
  for (const step of steps) {
    const key = groupKey(step);
    const last = groups.at(-1);
    if (last && key !== undefined && key === lastKey) {
      last.steps.push(step);
      if (step.state === "running") last.state = "running";
    } else {
      groups.push({ steps: [step], state: step.state });
    }
    lastKey = key;
  }
  return groups;
}

function groupKey(step: RunStep): string | undefined {
  if (step.state === "error") return undefined;
  if (step.call.kind === "read") return "read";
  // An edit without a path cannot be told apart from an edit of another file.
  if (step.call.kind === "edit" && step.call.path) return `edit:${step.call.path}`;
  return undefined;
}
