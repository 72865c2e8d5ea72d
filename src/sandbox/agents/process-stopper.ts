/**
 * Ends a process that was spawned detached (so it leads a process group) and everything it started.
 *
 * In a PID namespace (see pid-namespace.ts) the spawned process is `unshare` and its one child is the
 * namespace's PID 1: killing that child makes the kernel kill the rest of the namespace, and
 * `unshare` exits only once all of it is gone, so its exit means nothing the command started is left.
 *
 * Without a namespace (the fallback where none can be made) the best left is the process tree from
 * /proc: commands that call `setsid` leave the group, so the tree is remembered when a stop begins
 * and signalled as well. A process that daemonised before that moment is out of reach; callers warn.
 */
import { readdirSync, readFileSync } from "node:fs";

export type ProcessStopper = {
  /** Asks the process to end: SIGTERM to its group. */
  terminate(): void;
  /** SIGKILL to everything under the process. */
  kill(): void;
  /** After the spawned process has exited: kills whatever it left behind. */
  exited(): void;
};

export function processStopper(pid: number, inNamespace: boolean): ProcessStopper {
  if (inNamespace) {
    return {
      // `unshare` blocks SIGTERM, PID 1 shares its group: the group signal reaches PID 1 once.
      terminate: () => signalGroup(pid, "SIGTERM"),
      kill: () => {
        const inits = childrenOf(pid);
        // Once PID 1 is gone, `unshare` exits by itself; kill it directly only if it has no child.
        for (const init of inits) signalPid(init, "SIGKILL");
        if (inits.length === 0) signalGroup(pid, "SIGKILL");
      },
      // Nothing can be left: `unshare` waited for the namespace to empty (or --kill-child empties it).
      exited: () => {},
    };
  }
  let stopTree: ProcessRef[] = [];
  return {
    terminate: () => {
      // Remembered now: once the root dies, its orphans can no longer be traced to it.
      stopTree = processTree(pid);
      signalGroup(pid, "SIGTERM");
    },
    kill: () => {
      signalGroup(pid, "SIGKILL");
      for (const proc of [...stopTree, ...processTree(pid)]) signalProcess(proc, "SIGKILL");
    },
    exited: () => {
      signalGroup(pid, "SIGKILL");
      for (const proc of stopTree) signalProcess(proc, "SIGKILL");
    },
  };
}

/** A process as found in /proc: the start time tells a process from a later one given the same pid. */
type ProcessRef = { pid: number; startTime: string };

/** Reads parent pid and start time from /proc/<pid>/stat; null if it is gone or unreadable. */
function readStat(pid: number): { ppid: number; startTime: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name (which may hold spaces): state ppid … starttime (22nd).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), startTime: fields[19] ?? "" };
  } catch {
    return null;
  }
}

/** Direct children of `pid`, from /proc (empty where there is none). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return processTree(pid).flatMap((p) => (readStat(p.pid)?.ppid === pid ? [p.pid] : []));
  }
}

/** `root` and every descendant, from /proc. Empty where there is no /proc (the group signal remains). */
function processTree(root: number): ProcessRef[] {
  let pids: number[];
  try {
    pids = readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
  const children = new Map<number, ProcessRef[]>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (!stat) continue;
    const siblings = children.get(stat.ppid) ?? [];
    siblings.push({ pid, startTime: stat.startTime });
    children.set(stat.ppid, siblings);
  }
  const rootStat = readStat(root);
  const tree: ProcessRef[] = rootStat ? [{ pid: root, startTime: rootStat.startTime }] : [];
  // Breadth-first; bounded by the number of processes read above.
  for (let i = 0; i < tree.length && i < pids.length; i++) {
    tree.push(...(children.get(tree[i]!.pid) ?? []));
  }
  return tree;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Signals the process only if its pid still belongs to it: pids are reused. */
function signalProcess(proc: ProcessRef, signal: NodeJS.Signals): void {
  if (readStat(proc.pid)?.startTime !== proc.startTime) return;
  signalPid(proc.pid, signal);
}
