/**
 * Wraps a command so that it runs as PID 1 of a PID namespace of its own (util-linux `unshare`).
 * When PID 1 exits, the kernel kills every other process in the namespace, `setsid` daemons
 * included, and only then lets the `unshare` parent exit; killing PID 1 (or `unshare`, through
 * `--kill-child`) ends everything. `--mount-proc` gives the namespace a /proc that shows only its own
 * processes, so nothing inside can read another process's environment or command line.
 *
 * Two `unshare`s, because one is not enough: the outer one creates the PID and mount namespaces and
 * mounts /proc; the inner one enters a further user namespace, in which the command is root with no
 * capability over those namespaces. It cannot unmount the private /proc to reveal the host's (which
 * root in a single `unshare --user --mount-proc` can), nor `setns` out of the PID namespace. The
 * outer one uses a user namespace too, so the same form works for a user who is not root.
 */
import { spawnSync } from "node:child_process";

export type Command = { command: string; args: string[] };

const OUTER = ["--user", "--map-root-user", "--pid", "--fork", "--kill-child", "--mount-proc", "--"];
const INNER = ["--user", "--map-root-user", "--"];

const wrap = (cmd: Command): Command => ({
  command: "unshare",
  args: [...OUTER, "unshare", ...INNER, cmd.command, ...cmd.args],
});

let works: boolean | undefined;

/**
 * `cmd` wrapped to run in a PID namespace of its own, or null where namespaces cannot be made here
 * (no `unshare`, user namespaces disabled, a seccomp policy that refuses them). Whether they can is
 * probed once per process by running the same wrapper around `true`.
 */
export function inPidNamespace(cmd: Command): Command | null {
  if (works === undefined) {
    const probe = wrap({ command: "true", args: [] });
    const result = spawnSync(probe.command, probe.args, { stdio: "ignore", timeout: 10_000 });
    works = result.status === 0;
  }
  return works ? wrap(cmd) : null;
}
