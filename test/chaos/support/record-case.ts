/**
 * The chaos suite's ledger. Every case appends one JSON line ("tried N, survived N, lost 0, let in 0")
 * to a results file shared by the suite's worker processes; the global teardown turns the lines into
 * docs/RELIABILITY.md (see write-reliability-report.ts).
 */
import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const RESULTS_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../.understudy/chaos-results.jsonl",
);

export type CaseResult = {
  /** faults | load | abuse */
  group: "faults" | "load" | "abuse";
  /** One line a reader understands, e.g. "GitHub answers 502 to every first write". */
  name: string;
  tried: number;
  survived: number;
  /** Work or events lost: a run without its terminal comment, a missing event, a branch without a PR. */
  lost: number;
  /** Things let in that must not be: a second run, an unauthorised run, a leaked token. */
  letIn: number;
  /** Figures worth keeping (latency, memory, CPU), shown after the table. */
  notes?: string;
};

export function recordCase(result: CaseResult): void {
  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  appendFileSync(RESULTS_FILE, `${JSON.stringify(result)}\n`);
}
