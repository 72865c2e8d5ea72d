/**
 * The one process killer, on its own: a detached shell that ignores SIGTERM, with a child that
 * ignores it too and a `setsid` daemon that has left its group. `stop` must end all of them, in a
 * PID namespace and in the fallback without one.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import { type ProcessWatch, watchProcesses } from "../../../test/support/agents/watch-processes.js";
import { ensureBubblewrap } from "../../../test/support/ensure-bubblewrap.js";
import { inPidNamespace } from "./pid-namespace.js";
import { groupEmptied, type ProcessStopper, processStopper } from "./process-stopper.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Spawns `sh -c script` as the host and the agent runner do, and wires `exited` to its exit. */
function start(script: string, inNamespace: boolean): { stopper: ProcessStopper; exit: Promise<string> } {
  const direct = { command: "sh", args: ["-c", script] };
  const wrapped = inNamespace ? inPidNamespace(direct) : direct;
  if (!wrapped) throw new Error("PID namespaces are not available on this machine");
  const child = spawn(wrapped.command, wrapped.args, { detached: true, stdio: "ignore" });
  if (child.pid === undefined) throw new Error("could not spawn sh");
  const stopper = processStopper(child.pid, inNamespace);
  const exit = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => {
      stopper.exited();
      resolve(signal ?? `code ${code}`);
    }),
  );
  // Whatever a failed assertion leaves behind.
  cleanups.push(() => stopper.stop(0));
  return { stopper, exit };
}

/** A tree that ignores SIGTERM everywhere (an ignored signal stays ignored across exec). */
function stubbornTree(mark: string): string {
  return (
    `trap '' TERM; setsid nohup sh -c 'while :; do sleep 0.05; done' ${mark} >/dev/null 2>&1 & ` +
    "sleep 30 & exec sleep 31"
  );
}

async function watchUntilUp(mark: string): Promise<ProcessWatch> {
  const watch = watchProcesses(process.pid);
  cleanups.push(() => watch.stop());
  await until(
    () =>
      watch.seen().some((p) => p.cmdline.endsWith(` ${mark}`)) &&
      watch.seen().some((p) => p.cmdline === "sleep 31"),
    "the tree to start",
  );
  return watch;
}

const marker = () => `understudy-stopper-${randomBytes(6).toString("hex")}`;

it("in a PID namespace, stop escalates to SIGKILL and resolves only once the whole tree is gone", async () => {
  const mark = marker();
  const { stopper, exit } = start(stubbornTree(mark), true);
  const watch = await watchUntilUp(mark);

  const started = Date.now();
  await stopper.stop(300);
  expect(Date.now() - started).toBeGreaterThanOrEqual(300); // SIGTERM was ignored: the grace ran out
  expect(await exit).toBeTruthy();
  // Checked at once: `unshare` exits only after the kernel has emptied the namespace.
  expect(watch.alive()).toEqual([]);
});

it("without a namespace, stop still kills the tree it can see, the setsid daemon included", async () => {
  const mark = marker();
  const { stopper, exit } = start(stubbornTree(mark), false);
  const watch = await watchUntilUp(mark);
  expect(watch.seen().some((p) => p.cmdline.startsWith("unshare"))).toBe(false);

  await stopper.stop(300);
  expect(await exit).toBe("SIGKILL");
  // SIGKILL is sent to each; a moment may pass before the kernel has reaped them.
  await until(() => watch.alive().length === 0, "the tree to be gone");
});

it("resolves as soon as the process ends on SIGTERM, and a second stop joins the first", async () => {
  const { stopper, exit } = start("sleep 30 & exec sleep 31", false);
  const watch = watchProcesses(process.pid);
  cleanups.push(() => watch.stop());
  await until(() => watch.seen().some((p) => p.cmdline === "sleep 31"), "the process to start");

  const started = Date.now();
  const first = stopper.stop(10_000);
  expect(stopper.stop(10_000)).toBe(first);
  await first;
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(await exit).toBe("SIGTERM");
  // The child left in the group when the leader exited is killed by `exited`.
  await until(() => watch.alive().length === 0, "the child to be gone");
  // After the exit nothing is signalled (the pid may be reused); stopping again is a no-op.
  await stopper.stop(10_000);
});

it("on the exit of a namespace's leader, what is left in its group is killed at once", async () => {
  // bubblewrap's case without bubblewrap: the leader exits, a child of it lingers in the group.
  const watch = watchProcesses(process.pid);
  cleanups.push(() => watch.stop());
  const child = spawn("sh", ["-c", "sleep 30 & read line"], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  const stopper = processStopper(child.pid!, true);
  cleanups.push(() => signalGroup(child.pid!));
  await until(() => watch.seen().some((p) => p.cmdline === "sleep 30"), "the child to start");
  const exit = new Promise((resolve) => child.once("exit", resolve));
  child.stdin!.end("go\n");
  await exit;
  expect(watch.alive().map((p) => p.cmdline)).toContain("sleep 30");

  stopper.exited();
  expect(await groupEmptied(child.pid!, 5_000)).toBe(true);
  expect(watch.alive()).toEqual([]);
});

it("groupEmptied waits for the last live member of the group, and gives up at its bound", async () => {
  const watch = watchProcesses(process.pid);
  cleanups.push(() => watch.stop());
  const child = spawn("sh", ["-c", "sleep 0.6 & read line"], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  cleanups.push(() => signalGroup(child.pid!));
  await until(() => watch.seen().some((p) => p.cmdline === "sleep 0.6"), "the child to start");
  const exit = new Promise((resolve) => child.once("exit", resolve));
  child.stdin!.end("go\n");
  await exit;
  expect(await groupEmptied(child.pid!, 50)).toBe(false);
  expect(await groupEmptied(child.pid!, 5_000)).toBe(true);
  expect(watch.alive()).toEqual([]);
});

it("under bubblewrap, which exits before its namespace is empty, nothing of it is alive once the group is", async () => {
  ensureBubblewrap();
  const mark = marker();
  const watch = watchProcesses(process.pid);
  cleanups.push(() => watch.stop());
  // The command exits while a process it started in a session of its own (as the agent's Bash
  // steps do) goes on: bubblewrap's PID 1 is left to end it.
  const inner = `setsid sh -c 'while :; do sleep 0.05; done' ${mark} >/dev/null 2>&1 & read line`;
  const args = [
    "--unshare-all",
    "--die-with-parent",
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--",
  ];
  const child = spawn("bwrap", [...args, "sh", "-c", inner], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  const stopper = processStopper(child.pid!, true);
  cleanups.push(() => stopper.stop(0));
  await until(() => watch.seen().some((p) => p.cmdline.endsWith(` ${mark}`)), "the leftover to start");
  const exit = new Promise((resolve) => child.once("exit", resolve));
  child.stdin!.end("go\n");
  await exit;

  stopper.exited();
  expect(await groupEmptied(child.pid!, 5_000)).toBe(true);
  // Checked at once, not polled: an empty group means bubblewrap's PID 1 has emptied the namespace.
  expect(watch.alive()).toEqual([]);
});

function signalGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // Gone already.
  }
}
