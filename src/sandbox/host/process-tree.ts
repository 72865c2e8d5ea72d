/**
 * Finds and signals every process group under a sandbox's bridge. The bridge runs in its own group
 * (spawned detached), but the agent runner puts the agent CLI in a group of its own too, so killing
 * the bridge's group alone would leave the agent running. Linux only (reads /proc); elsewhere only
 * the bridge's own group is signalled.
 */
import { readdirSync, readFileSync } from "node:fs";

type ProcInfo = { pid: number; ppid: number; pgid: number; state: string };

function readStat(pid: number | "self"): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name in parentheses may itself contain spaces and ")": split after the last one.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const pidPart = Number(stat.slice(0, stat.indexOf(" ")));
    return { pid: pidPart, state: fields[0] ?? "", ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return null;
  }
}

function allProcesses(): ProcInfo[] {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const out: ProcInfo[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const info = readStat(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** The process groups of `rootPid` and all its descendants, never the caller's own group. */
export function processGroupsUnder(rootPid: number): Set<number> {
  const procs = allProcesses();
  const children = new Map<number, ProcInfo[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const groups = new Set<number>([rootPid]);
  const queue = [rootPid];
  const seen = new Set<number>();
  // Bounded by the number of processes: each pid is visited at most once.
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    for (const child of children.get(pid) ?? []) {
      groups.add(child.pgid);
      queue.push(child.pid);
    }
  }
  const own = readStat("self")?.pgid ?? process.pid;
  groups.delete(own);
  groups.delete(0);
  return groups;
}

/** Sends `signal` to each group; a group that is already gone is skipped. */
export function signalGroups(groups: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, signal);
    } catch {
      // ESRCH: nothing left in that group.
    }
  }
}

/** True if the process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return readStat(pid)?.state !== "Z";
}
