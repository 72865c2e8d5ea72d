/**
 * Turns the chaos suite's ledger (one JSON line per case, see record-case.ts) into docs/RELIABILITY.md:
 * what produced it, on what machine, one table per group, then the notes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CaseResult } from "./record-case.js";

const GROUPS: ReadonlyArray<{ group: CaseResult["group"]; title: string; what: string }> = [
  {
    group: "faults",
    title: "Faults",
    what: "Each case runs its sessions (each on its own issue of one stack) while the fault is injected.",
  },
  {
    group: "load",
    title: "Load",
    what: "Concurrent sessions and a webhook flood from a separate process.",
  },
  {
    group: "abuse",
    title: "Abuse",
    what: "Hostile or malformed input: each attempt must be refused or neutralised.",
  },
];

export function readResults(file: string): CaseResult[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as CaseResult];
      } catch {
        return [];
      }
    });
}

/** Table cells may not hold a pipe or a line break. */
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");

export function renderReliabilityReport(
  results: readonly CaseResult[],
  o: { date: Date; durationS?: number },
): string {
  const cpu = os.cpus()[0]?.model.trim();
  const held = (r: CaseResult) => r.lost === 0 && r.letIn === 0 && r.survived === r.tried;
  const failing = results.filter((r) => !held(r));
  const lines: string[] = [
    "# Reliability",
    "",
    `Produced by \`npm run test:chaos\` (\`vitest.chaos.config.ts\`, files under \`test/chaos/\`) on ${o.date.toISOString().slice(0, 10)}.`,
    `Machine: ${os.cpus().length} cores${cpu ? ` (${cpu})` : ""}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, ${os.platform()}; everything on 127.0.0.1.` +
      (o.durationS === undefined ? "" : ` The suite took ${Math.round(o.durationS)} s.`),
    "",
    "Columns: *tried* attempts (sessions, deliveries or requests), *survived* attempts where every check",
    "passed, *lost* attempts where something that must exist did not (a final status comment, a stored",
    "event, the agent's work, a pull request, a reply), *let in* attempts where something happened that",
    "must not (a second run, comment, PR or event; an unauthorised run; a leaked token).",
    "",
    failing.length === 0
      ? `All ${results.length} cases held.`
      : `**${failing.length} of ${results.length} cases did not hold:** ${failing.map((r) => r.name).join("; ")}.`,
  ];
  for (const g of GROUPS) {
    const rows = results.filter((r) => r.group === g.group);
    lines.push("", `## ${g.title}`, "", g.what, "");
    if (rows.length === 0) {
      lines.push("_No results recorded for this group in this run._");
      continue;
    }
    lines.push("| case | tried | survived | lost | let in |", "|---|---:|---:|---:|---:|");
    for (const r of rows) {
      const name = held(r) ? cell(r.name) : `**${cell(r.name)}**`;
      lines.push(`| ${name} | ${r.tried} | ${r.survived} | ${r.lost} | ${r.letIn} |`);
    }
  }
  const noted = results.filter((r) => r.notes?.trim());
  if (noted.length > 0) {
    lines.push("", "## Notes", "");
    for (const r of noted)
      lines.push(`- **${cell(r.name)}** (${r.group}): ${r.notes!.trim().replace(/\s*\n\s*/g, " ")}`);
  }
  return `${lines.join("\n")}\n`;
}

export function writeReliabilityReport(resultsFile: string, outFile: string, durationS?: number): void {
  const results = readResults(resultsFile);
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(
    outFile,
    renderReliabilityReport(results, { date: new Date(), ...(durationS === undefined ? {} : { durationS }) }),
  );
}
