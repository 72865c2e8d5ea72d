/**
 * How an agent runner turns its CLI's command line into the one it spawns. The bridge decides the
 * isolation (bubblewrap around the whole agent, see src/sandbox/isolation/); a runner only asks here,
 * so every agent is isolated the same way.
 */
import { type Command, inPidNamespace } from "./pid-namespace.js";

export type { Command };

/**
 * Wraps an agent's command so that it runs isolated. The result must run the command in a PID
 * namespace of its own (its exit, or a SIGKILL to it, ends everything the command started).
 */
export type CommandWrapper = (cmd: Command) => Command;

/**
 * `direct` as the runner should spawn it, and whether it runs in a PID namespace of its own (which
 * decides how a stop signals it). With a `wrap` from the bridge that is always so; without one, a
 * bare PID namespace where the machine allows it, else the command itself after a warning.
 */
export function agentCommand(
  direct: Command,
  opts: { wrap?: CommandWrapper; warn?: (message: string) => void },
): { command: Command; inNamespace: boolean } {
  if (opts.wrap) return { command: opts.wrap(direct), inNamespace: true };
  const isolated = inPidNamespace(direct);
  if (!isolated) {
    opts.warn?.(
      "PID namespaces are not available here (no unshare, or user namespaces disabled): a process the " +
        "agent puts in the background with setsid can outlive the run",
    );
  }
  return { command: isolated ?? direct, inNamespace: isolated !== null };
}
