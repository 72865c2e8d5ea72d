/**
 * `npm run bench -- memory`: what a session costs in memory. One session alone on a fresh stack,
 * then `CONCURRENT` at once on the same stack, sampling every process under this one from /proc
 * (test/chaos/support/proc-stats.ts): the bridge's own RSS during a run (goal < 80 MB), and what
 * each extra concurrent session adds, to the processes a sandbox host starts (bridge, agent CLI,
 * git, the isolation wrappers) and to this process (the sandbox host, with the GitHub stand-in and
 * the model server, which share it here).
 */

import { readFileSync } from "node:fs";
import { contributingScript } from "../src/demo/model-server.js";
import { type Stack, startStack } from "../src/demo/start-stack.js";
import { waitFor } from "../src/demo/wait-for.js";
import { bridgePidOf, type ProcFigures, sampleProcesses } from "../test/chaos/support/proc-stats.js";

const CONCURRENT = 4;
const TASK = "@understudy add a CONTRIBUTING.md that explains how to run the tests";

type Figures = ProcFigures & { bridgePrivatePeakBytes: number };

export type MemoryBenchResult = { alone: Figures; together: Figures; concurrent: number };

/**
 * A process's private resident memory (RssAnon): its RSS less the pages of files it maps, most of
 * them Node's own binary, which every bridge on a machine shares.
 */
function privateRss(pid: number): number {
  try {
    const line = /^RssAnon:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return line ? Number(line[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Comments the task on each issue at once and waits (bounded) for every final status comment. */
async function sessions(stack: Stack, issues: number[]): Promise<Figures> {
  const sampler = sampleProcesses(100);
  let figures: ProcFigures;
  let bridgePrivatePeakBytes = 0;
  const bridges = setInterval(() => {
    for (const s of stack.host.sandboxes.values()) {
      const pid = s.running ? bridgePidOf(s.pid) : null;
      if (pid) bridgePrivatePeakBytes = Math.max(bridgePrivatePeakBytes, privateRss(pid));
    }
  }, 100);
  try {
    await Promise.all(issues.map((issueNumber) => stack.comment(TASK, { issueNumber })));
    for (const issueNumber of issues) {
      const final = await waitFor(
        `the final status comment on #${issueNumber}`,
        () =>
          stack.github.state.comments.find(
            (c) =>
              c.issueNumber === issueNumber &&
              c.user === stack.github.app.botLogin &&
              /^### (✅|❌)/mu.test(c.body),
          ),
        180_000,
      );
      if (!final.body.includes("✅")) throw new Error(`session on #${issueNumber} failed:\n${final.body}`);
    }
    // Every sandbox's processes gone: the figures cover whole runs.
    await waitFor(
      "the sandboxes to end",
      () => [...stack.host.sandboxes.values()].every((s) => !s.running) || undefined,
      60_000,
    );
  } finally {
    clearInterval(bridges);
    figures = sampler.stop();
  }
  return { ...figures, bridgePrivatePeakBytes };
}

export async function runMemoryBench(): Promise<MemoryBenchResult> {
  const stack = await startStack({ script: contributingScript() });
  try {
    const alone = await sessions(stack, [stack.issueNumber]);
    const issues = Array.from({ length: CONCURRENT }, (_, i) => stack.createIssue(`Memory ${i + 1}`));
    const together = await sessions(stack, issues);
    return { alone, together, concurrent: CONCURRENT };
  } finally {
    await stack.close();
  }
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** RSS summed over what a sandbox host starts for a run: bridges, agents and their helpers. */
const sandboxTotal = (f: Figures) =>
  f.kinds.bridge.peakTotalRssBytes + f.kinds.agent.peakTotalRssBytes + f.kinds.other.peakTotalRssBytes;

export function memoryBenchRows(r: MemoryBenchResult): [string, string][] {
  const extra = r.concurrent - 1;
  return [
    ["bridge RSS during a session, peak (alone)", mb(r.alone.kinds.bridge.peakRssBytes)],
    [`bridge RSS, peak of ${r.concurrent} concurrent sessions`, mb(r.together.kinds.bridge.peakRssBytes)],
    [
      "bridge private memory (RssAnon: RSS less Node's shared binary pages), peak of all",
      mb(Math.max(r.alone.bridgePrivatePeakBytes, r.together.bridgePrivatePeakBytes)),
    ],
    ["agent CLI RSS, peak (alone)", mb(r.alone.kinds.agent.peakRssBytes)],
    ["a session's processes (bridge + agent + git + wrappers), peak sum, alone", mb(sandboxTotal(r.alone))],
    [
      `the same, ${r.concurrent} concurrent sessions (peak sum; not all peak at once)`,
      mb(sandboxTotal(r.together)),
    ],
    [
      "per extra concurrent session: its processes",
      mb((sandboxTotal(r.together) - sandboxTotal(r.alone)) / extra),
    ],
    [
      "per extra concurrent session: the host process (sandbox host + stand-ins here)",
      mb(Math.max(0, r.together.testProcess.peakRssBytes - r.alone.testProcess.peakRssBytes) / extra),
    ],
    [
      "host process peak RSS (sandbox host + GitHub stand-in + model server)",
      mb(r.together.testProcess.peakRssBytes),
    ],
    [
      "workerd peak RSS (control plane)",
      mb(Math.max(r.alone.kinds.workerd.peakRssBytes, r.together.kinds.workerd.peakRssBytes)),
    ],
  ];
}
