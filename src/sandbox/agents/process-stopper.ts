/**
 * The one way this codebase ends a process it spawned detached (so it leads a process group) and
 * everything that process started: the agent CLI (claude-code.ts) and each sandbox's bridge
 * (host/spawn-bridge.ts) both go through it.
 *
 * In a PID namespace (see pid-namespace.ts) the spawned process is `unshare` and its one child is the
 * namespace's PID 1: killing that child makes the kernel kill the rest of the namespace, and
 * `unshare` exits only once all of it is gone, so its exit means nothing the command started is left.
 * bubblewrap (the bridge's wrap) is a namespace too, but it exits as soon as its command does, while
 * its PID 1 may still be emptying the namespace: so the exit also kills the group (bubblewrap's PID 1
 * is in it), and {@link groupEmptied} tells when the last of it is gone.
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
  /**
   * The spawner calls this on the process's `exit`: kills whatever it left behind, and from then on
   * sends no signal, since the pid may already belong to another process.
   */
  exited(): void;
  /**
   * The whole escalation: SIGTERM, then SIGKILL after `graceMs` unless the process exited first.
   * Resolves once it has exited (in a namespace: once nothing of it is left), or a bounded wait after
   * SIGKILL has passed. Calling it again, or after the exit, joins the same stop.
   */
  stop(graceMs: number): Promise<void>;
};

/** After SIGKILL, how long `stop` waits for the exit; SIGKILL cannot be ignored, so this is ample. */
const KILL_WAIT_MS = 5_000;

type Signals = Pick<ProcessStopper, "terminate" | "kill" | "exited">;

export function processStopper(pid: number, inNamespace: boolean): ProcessStopper {
  const signals = inNamespace ? namespaceSignals(pid) : treeSignals(pid);
  let gone = false;
  let markGone!: () => void;
  const goneOnce = new Promise<void>((resolve) => {
    markGone = resolve;
  });
  let stopping: Promise<void> | undefined;
  const stopper: ProcessStopper = {
    terminate: () => {
      if (!gone) signals.terminate();
    },
    kill: () => {
      if (!gone) signals.kill();
    },
    exited: () => {
      if (gone) return;
      gone = true;
      signals.exited();
      markGone();
    },
    stop: (graceMs) => {
      stopping ??= (async () => {
        if (gone) return;
        stopper.terminate();
        if (await settlesWithin(goneOnce, graceMs)) return;
        stopper.kill();
        await settlesWithin(goneOnce, KILL_WAIT_MS);
      })();
      return stopping;
    },
  };
  return stopper;
}

function namespaceSignals(pid: number): Signals {
  return {
    // `unshare` blocks SIGTERM, PID 1 shares its group: the group signal reaches PID 1 once.
    terminate: () => signalGroup(pid, "SIGTERM"),
    kill: () => {
      const inits = childrenOf(pid);
      // Once PID 1 is gone, `unshare` exits by itself; kill it directly only if it has no child.
      for (const init of inits) signalPid(init, "SIGKILL");
      if (inits.length === 0) signalGroup(pid, "SIGKILL");
    },
    // `unshare` waited for the namespace to empty: nothing is left. bubblewrap did not wait: its
    // PID 1, still in the group, may be ending the namespace's other processes (a Bash step the
    // agent started in a session of its own, about to run git in the checkout). Now, not later.
    exited: () => signalGroup(pid, "SIGKILL"),
  };
}

function treeSignals(pid: number): Signals {
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
      // The group id outlives its leader while any member is left, and is not reused until none is.
      signalGroup(pid, "SIGKILL");
      for (const proc of stopTree) signalProcess(proc, "SIGKILL");
    },
  };
}

/** How often {@link groupEmptied} looks. */
const GROUP_POLL_MS = 20;

/**
 * Resolves true once no process of the group `pgid` is alive (a zombie is not: it runs nothing, and
 * its parent may never reap it), false if one still is after `timeoutMs`. For a namespace's group
 * after its leader exited: PID 1 leaves the group last, once the namespace is empty.
 */
export async function groupEmptied(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (!groupAlive(pgid)) return true;
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, GROUP_POLL_MS));
  }
}

/** Whether a process that is not a zombie is in the group `pgid`, from /proc. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false; // ESRCH: no member at all, zombies included.
  }
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return true; // no /proc to tell a zombie from a process: the signal said someone is there.
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStatFields(Number(name));
    // Fields after the command name: state (0), ppid (1), pgrp (2).
    if (stat && Number(stat[2]) === pgid && stat[0] !== "Z" && stat[0] !== "X") return true;
  }
  return false;
}

/** True if `promise` settles within `ms`; the timer never outlives the answer. */
function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** A process as found in /proc: the start time tells a process from a later one given the same pid. */
type ProcessRef = { pid: number; startTime: string };

/** The fields of /proc/<pid>/stat after the parenthesised command name (which may hold spaces). */
function readStatFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** Reads parent pid and start time from /proc/<pid>/stat; null if it is gone or unreadable. */
function readStat(pid: number): { ppid: number; startTime: string } | null {
  const fields = readStatFields(pid);
  // state ppid … starttime (the 22nd field of the whole line).
  return fields ? { ppid: Number(fields[1]), startTime: fields[19] ?? "" } : null;
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
