/**
 * Memory and CPU of the processes a chaos case involves, read from /proc (Linux only; elsewhere the
 * figures are empty). The test process hosts the GitHub stand-in, the model server and the sandbox
 * host; workerd, the bridges and the agent CLIs are its descendants.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export type ProcInfo = {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string[];
  /** utime + stime, in seconds. */
  cpuS: number;
  rssBytes: number;
};

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

const PAGE_BYTES = 4096;

export function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(open + 1, close);
    // Fields after the command name: state(3) ppid(4) … utime(14) stime(15) … rss(24), 1-based.
    const f = stat.slice(close + 2).split(" ");
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return {
      pid,
      ppid: Number(f[1]),
      comm,
      cmdline,
      cpuS: (Number(f[11]) + Number(f[12])) / clockTicks(),
      rssBytes: Number(f[21]) * PAGE_BYTES,
    };
  } catch {
    return null;
  }
}

/** Every live descendant of `root` (not `root` itself). */
export function descendants(root: number): ProcInfo[] {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const all: ProcInfo[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p) all.push(p);
  }
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const out: ProcInfo[] = [];
  const queue = [root];
  const seen = new Set<number>();
  // Bounded: each pid is visited once.
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    for (const child of byParent.get(pid) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

export type ProcKind = "workerd" | "bridge" | "agent" | "flood" | "other";

/**
 * By the program a process runs (argv[0]), then its script: the `unshare` wrappers of the PID
 * namespaces name the bridge and the agent in their arguments too, and count as "other".
 */
export function kindOf(p: ProcInfo): ProcKind {
  const program = path.basename(p.cmdline[0] ?? p.comm);
  const line = p.cmdline.join(" ");
  if (program === "workerd" || p.comm === "workerd") return "workerd";
  if (/^(claude(\.exe)?|codex)$/.test(program)) return "agent";
  // The sources through tsx, or the bundle the host builds (.understudy/build/bridge-<hash>.mjs).
  if (program.startsWith("node") && /bridge\/main\.ts|build\/bridge-[0-9a-f]+\.mjs/.test(line))
    return "bridge";
  if (program.startsWith("node") && /chaos\/flood\.ts/.test(line)) return "flood";
  return "other";
}

/**
 * The bridge's own pid for a sandbox whose spawned process is `pid`: the process itself, or (in a
 * PID namespace) the node process under its `unshare` wrappers. Null once it is gone.
 */
export function bridgePidOf(pid: number): number | null {
  const self = readProc(pid);
  if (self && kindOf(self) === "bridge") return pid;
  return descendants(pid).find((p) => kindOf(p) === "bridge")?.pid ?? null;
}

/** The agent CLI processes under a bridge (they run in groups, or namespaces, of their own). */
export function agentPidsUnder(bridgePid: number): number[] {
  return descendants(bridgePid)
    .filter((p) => kindOf(p) === "agent")
    .map((p) => p.pid);
}

type KindFigures = {
  /** Largest RSS one process of the kind reached. */
  peakRssBytes: number;
  /** Largest sum of RSS over the live processes of the kind at one sample. */
  peakTotalRssBytes: number;
  /** Most processes of the kind alive at one sample. */
  peakCount: number;
  /** CPU seconds used during the sampling window (processes that lived between samples are missed). */
  cpuS: number;
};

export type ProcFigures = {
  durationS: number;
  samples: number;
  testProcess: { peakRssBytes: number; cpuS: number };
  kinds: Record<ProcKind, KindFigures>;
};

/**
 * Samples the test process and its descendants every `intervalMs` until stopped. Bounded by the
 * caller: stop() ends the timer.
 */
export function sampleProcesses(intervalMs = 200): { stop(): ProcFigures } {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const blank = (): KindFigures => ({ peakRssBytes: 0, peakTotalRssBytes: 0, peakCount: 0, cpuS: 0 });
  const kinds: Record<ProcKind, KindFigures> = {
    workerd: blank(),
    bridge: blank(),
    agent: blank(),
    flood: blank(),
    other: blank(),
  };
  /** CPU seconds of each pid at its first and latest sample. */
  const cpu = new Map<number, { kind: ProcKind; first: number; last: number }>();
  let testPeakRss = process.memoryUsage().rss;
  let samples = 0;

  const sample = () => {
    samples += 1;
    testPeakRss = Math.max(testPeakRss, process.memoryUsage().rss);
    const totals = new Map<ProcKind, { rss: number; count: number }>();
    for (const p of descendants(process.pid)) {
      const kind = kindOf(p);
      const k = kinds[kind];
      k.peakRssBytes = Math.max(k.peakRssBytes, p.rssBytes);
      const t = totals.get(kind) ?? { rss: 0, count: 0 };
      t.rss += p.rssBytes;
      t.count += 1;
      totals.set(kind, t);
      const c = cpu.get(p.pid);
      // A process first seen now was born during the window (all but workerd): count all its CPU.
      if (c) c.last = p.cpuS;
      else cpu.set(p.pid, { kind, first: samples === 1 ? p.cpuS : 0, last: p.cpuS });
    }
    for (const [kind, t] of totals) {
      kinds[kind].peakTotalRssBytes = Math.max(kinds[kind].peakTotalRssBytes, t.rss);
      kinds[kind].peakCount = Math.max(kinds[kind].peakCount, t.count);
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      for (const c of cpu.values()) kinds[c.kind].cpuS += c.last - c.first;
      const used = process.cpuUsage(cpuStart);
      return {
        durationS: (performance.now() - started) / 1000,
        samples,
        testProcess: { peakRssBytes: testPeakRss, cpuS: (used.user + used.system) / 1e6 },
        kinds,
      };
    },
  };
}

const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;
const s = (x: number) => `${x.toFixed(1)} s`;

/** One line for the report's notes. */
export function describeFigures(f: ProcFigures): string {
  const k = f.kinds;
  return [
    `over ${s(f.durationS)} (sampled every 200 ms)`,
    `test process (stand-in, model server, sandbox host): peak RSS ${mb(f.testProcess.peakRssBytes)}, CPU ${s(f.testProcess.cpuS)}`,
    `workerd: peak RSS ${mb(k.workerd.peakRssBytes)}, CPU ${s(k.workerd.cpuS)}`,
    ...(k.bridge.peakCount > 0
      ? [
          `bridges: up to ${k.bridge.peakCount} at once, peak RSS ${mb(k.bridge.peakRssBytes)} each / ${mb(k.bridge.peakTotalRssBytes)} together, CPU ${s(k.bridge.cpuS)}`,
        ]
      : ["no bridge ran"]),
    ...(k.agent.peakCount > 0
      ? [
          `agent CLIs: up to ${k.agent.peakCount} at once, peak RSS ${mb(k.agent.peakRssBytes)} each / ${mb(k.agent.peakTotalRssBytes)} together, CPU ${s(k.agent.cpuS)}`,
        ]
      : []),
    ...(k.flood.peakCount > 0
      ? [`flood sender: peak RSS ${mb(k.flood.peakRssBytes)}, CPU ${s(k.flood.cpuS)}`]
      : []),
    `everything else (git, shells, esbuild): CPU ${s(k.other.cpuS)}`,
  ].join("; ");
}
