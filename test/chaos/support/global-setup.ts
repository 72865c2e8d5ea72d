/**
 * Global setup of `npm run test:chaos`: starts the ledger empty, and writes docs/RELIABILITY.md from it
 * once every chaos file has run (the files run in separate workers, so the ledger is a file).
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { RESULTS_FILE } from "./record-case.js";
import { writeReliabilityReport } from "./write-reliability-report.js";

const REPORT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../docs/RELIABILITY.md");

export default function setup(): () => void {
  rmSync(RESULTS_FILE, { force: true });
  const started = performance.now();
  return () => {
    writeReliabilityReport(RESULTS_FILE, REPORT, (performance.now() - started) / 1000);
    process.stdout.write(`chaos suite: wrote ${path.relative(process.cwd(), REPORT)}\n`);
  };
}
