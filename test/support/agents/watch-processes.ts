/**
 * Records every process under a root pid while a test runs, as this process's /proc shows them, so
 * the test can assert afterwards that none is left: a daemon that left the tree (setsid, reparented)
 * was already recorded, and the start time tells it from a later process given the same pid.
 */
import { readdirSync, readFileSync } from "node:fs";

export type SeenProcess = {
  pid: number;
  startTime: string;
  /** argv joined with spaces. */
  cmdline: string;
  /** The pid in each nested PID namespace, outermost first (the `NSpid` line of /proc/<pid>/status). */
  nsPids: number[];
};

export type ProcessWatch = {
  /** Every process seen under the root so far, keyed by pid and start time. */
  seen(): SeenProcess[];
  /** Those of `seen()` still running (a zombie counts as gone). */
  alive(): SeenProcess[];
  stop(): void;
};

export function watchProcesses(root: number, everyMs = 25): ProcessWatch {
  const seen = new Map<string, SeenProcess>();
  const sample = () => {
    const byParent = new Map<number, number[]>();
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      const stat = readStat(Number(name));
      if (!stat) continue;
      const siblings = byParent.get(stat.ppid) ?? [];
      siblings.push(Number(name));
      byParent.set(stat.ppid, siblings);
    }
    const queue = [...(byParent.get(root) ?? [])];
    // Each pid has one parent, so each is queued once: bounded by the number of processes.
    for (let i = 0; i < queue.length; i++) {
      const pid = queue[i]!;
      queue.push(...(byParent.get(pid) ?? []));
      const info = describe(pid);
      // An exiting process reads as an empty command line: keep what it was before.
      if (info?.cmdline) seen.set(`${pid}/${info.startTime}`, info);
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    seen: () => [...seen.values()],
    alive: () =>
      [...seen.values()].filter((p) => {
        const now = readStat(p.pid);
        return now !== null && now.startTime === p.startTime && now.state !== "Z";
      }),
    stop: () => clearInterval(timer),
  };
}

function readStat(pid: number): { state: string; ppid: number; startTime: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", ppid: Number(fields[1]), startTime: fields[19] ?? "" };
  } catch {
    return null;
  }
}

function describe(pid: number): SeenProcess | null {
  try {
    const stat = readStat(pid);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
    const nsLine = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? String(pid);
    if (!stat) return null;
    return { pid, startTime: stat.startTime, cmdline, nsPids: nsLine.split(/\s+/).map(Number) };
  } catch {
    return null;
  }
}
