/**
 * Memory and process-count limits for one run's agent, as a control group of its own: cgroup v2
 * (`memory.max`, `pids.max`) where /sys/fs/cgroup is the unified hierarchy, else cgroup v1's `memory`
 * and `pids` controllers. The group is made under the bridge's own, so a host that is itself limited
 * (a container) nests inside its limit. Where no group can be made (no write access to cgroupfs),
 * the caller is told and the run goes on with only its wall-clock limit.
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "../agents/pid-namespace.js";

export type RunLimits = { memoryBytes: number; processes: number };

export type RunCgroup = {
  /** `cmd` entering the group before anything else runs (every process it starts is in it too). */
  enter(cmd: Command): Command;
  /** The limits in force. */
  limits: RunLimits;
  /** True when the kernel ended a process of the run for going over the memory limit. */
  oomKilled(): boolean;
  /** Removes the group once nothing is left in it (waits a little for the last exits). */
  remove(): Promise<void>;
};

const ROOT = "/sys/fs/cgroup";

/** `/proc/self/cgroup` as controller → path (v2's entry is under ""). */
function ownGroups(): Map<string, string> {
  const groups = new Map<string, string>();
  for (const line of readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    for (const controller of m[1]!.split(",")) groups.set(controller, m[2]!);
  }
  return groups;
}

function unified(): boolean {
  try {
    return readFileSync(join(ROOT, "cgroup.controllers"), "utf8").trim().length > 0;
  } catch {
    return false;
  }
}

/** Makes the run's group with `limits`, or returns why it cannot. */
export function createRunCgroup(name: string, limits: RunLimits): RunCgroup | { unavailable: string } {
  const safe = name.replace(/[^A-Za-z0-9_-]/g, "_");
  const made: string[] = [];
  const undo = () => {
    for (const dir of made.reverse()) {
      try {
        rmdirSync(dir);
      } catch {}
    }
  };
  try {
    const own = ownGroups();
    let dirs: { memory: string; pids: string; procs: string[] };
    if (unified()) {
      const dir = join(ROOT, own.get("") ?? "/", `understudy-${safe}`);
      mkdirSync(dir);
      made.push(dir);
      writeFileSync(join(dir, "memory.max"), String(limits.memoryBytes));
      writeFileSync(join(dir, "memory.swap.max"), "0");
      writeFileSync(join(dir, "pids.max"), String(limits.processes));
      dirs = { memory: dir, pids: dir, procs: [join(dir, "cgroup.procs")] };
    } else {
      const memory = join(ROOT, "memory", own.get("memory") ?? "/", `understudy-${safe}`);
      const pids = join(ROOT, "pids", own.get("pids") ?? "/", `understudy-${safe}`);
      mkdirSync(memory);
      made.push(memory);
      mkdirSync(pids);
      made.push(pids);
      writeFileSync(join(memory, "memory.limit_in_bytes"), String(limits.memoryBytes));
      writeFileSync(join(pids, "pids.max"), String(limits.processes));
      dirs = { memory, pids, procs: [join(memory, "cgroup.procs"), join(pids, "cgroup.procs")] };
    }
    const v2 = dirs.memory === dirs.pids;
    return {
      limits,
      enter: (cmd) => ({
        command: "/bin/sh",
        // The shell moves itself into the group, then becomes the command: nothing runs outside it.
        args: [
          "-c",
          'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 126; shift; n=$((n-1)); done; exec "$@"',
          "sh",
          String(dirs.procs.length),
          ...dirs.procs,
          cmd.command,
          ...cmd.args,
        ],
      }),
      oomKilled: () => {
        try {
          const events = readFileSync(join(dirs.memory, v2 ? "memory.events" : "memory.oom_control"), "utf8");
          return /oom_kill [1-9]/.test(events);
        } catch {
          return false;
        }
      },
      remove: async () => {
        // A group with a process still exiting refuses rmdir (EBUSY): a few short waits cover it.
        for (let attempt = 0; attempt < 20; attempt++) {
          try {
            for (const dir of [...new Set([dirs.memory, dirs.pids])]) rmdirSync(dir, {});
            return;
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      },
    };
  } catch (error) {
    undo();
    return { unavailable: error instanceof Error ? error.message : String(error) };
  }
}
