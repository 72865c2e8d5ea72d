import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import { type ProcessWatch, watchProcesses } from "../../../test/support/agents/watch-processes.js";
import { inPidNamespace } from "./pid-namespace.js";

const watches: ProcessWatch[] = [];
afterEach(() => {
  for (const w of watches.splice(0)) w.stop();
});

/** Runs `sh -c script` in a namespace; resolves with its stdout once `unshare` has exited. */
function start(script: string): {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string }>;
} {
  const wrapped = inPidNamespace({ command: "sh", args: ["-c", script] });
  if (!wrapped) throw new Error("PID namespaces are not available on this machine");
  const child = spawn(wrapped.command, wrapped.args, { stdio: ["ignore", "pipe", "ignore"], detached: true });
  let stdout = "";
  child.stdout?.setEncoding("utf8").on("data", (c: string) => {
    stdout += c;
  });
  const done = new Promise<{ code: number | null; stdout: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, stdout })),
  );
  return { child, done };
}

const marker = () => `understudy-daemon-${randomBytes(6).toString("hex")}`;
const daemon = (mark: string) =>
  `setsid nohup sh -c 'while :; do sleep 0.05; done' ${mark} >/dev/null 2>&1 &`;

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function watch(): ProcessWatch {
  const w = watchProcesses(process.pid);
  watches.push(w);
  return w;
}

it("wraps a command as PID 1 of its own namespace", () => {
  const wrapped = inPidNamespace({ command: "/bin/echo", args: ["a b"] });
  expect(wrapped?.command).toBe("unshare");
  expect(wrapped?.args).toContain("--kill-child");
  expect(wrapped?.args).toContain("--mount-proc");
  expect(wrapped?.args.slice(-2)).toEqual(["/bin/echo", "a b"]);
});

it("when PID 1 exits, a setsid daemon it started is gone by the time unshare exits", async () => {
  const w = watch();
  const mark = marker();
  const { done } = start(`${daemon(mark)} sleep 0.3; echo started`);
  const { code, stdout } = await done;
  w.stop();

  expect({ code, stdout }).toEqual({ code: 0, stdout: "started\n" });
  expect(w.seen().some((p) => p.cmdline.includes(mark))).toBe(true);
  // Checked at once, not polled: the kernel emptied the namespace before unshare could exit.
  expect(w.alive()).toEqual([]);
});

it("when PID 1 is killed (a crash), everything in the namespace goes with it", async () => {
  const w = watch();
  const mark = marker();
  const { child, done } = start(`${daemon(mark)} exec sleep 30`);
  await until(() => w.seen().some((p) => p.cmdline.includes(mark)), "the daemon");
  const init = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim());
  process.kill(init, "SIGKILL");
  await done;
  w.stop();
  expect(w.alive()).toEqual([]);
});

it("killing unshare (a stop) ends everything in the namespace", async () => {
  const w = watch();
  const mark = marker();
  const { child, done } = start(`${daemon(mark)} exec sleep 30`);
  await until(() => w.seen().some((p) => p.cmdline.includes(mark)), "the daemon");
  child.kill("SIGKILL");
  await done;
  // --kill-child signals PID 1 as unshare dies; the rest follows within moments.
  await until(() => w.alive().length === 0, "the namespace to empty");
  w.stop();
});

it("shows the command only its own namespace in /proc, which it cannot unmount", async () => {
  const { done } = start(
    `ls /proc | grep -c '^[0-9]'; umount /proc 2>/dev/null && echo unmounted; umount -l /proc 2>/dev/null && echo unmounted; ` +
      `test -e /proc/${process.pid}/environ && echo host-visible; cat /proc/1/cmdline | tr '\\0' ' '`,
  );
  const { code, stdout } = await done;
  const [count, ...rest] = stdout.trim().split("\n");
  expect(code).toBe(0);
  // sh, ls and grep (and the subshell of the pipe).
  expect(Number(count)).toBeLessThanOrEqual(5);
  expect(rest).toEqual([expect.stringMatching(/^sh -c /)]);
});
