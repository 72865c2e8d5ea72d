/**
 * The repository's setup commands run by a real /bin/sh, bare and inside bubblewrap as the bridge
 * runs them: in order, in the checkout, with only the environment given, each one shown as a shell
 * call with its output; the first failure ends the list and says why; a stop ends the command and
 * everything it started.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureBubblewrap } from "../../../test/support/ensure-bubblewrap.js";
import type { EventInput } from "../../core/wire.js";
import type { CommandWrapper } from "../agents/agent-command.js";
import { bubblewrapCommand } from "../isolation/bubblewrap.js";
import { startNetworkProxy } from "../isolation/network-proxy.js";
import { runSetupCommands } from "./run-setup-commands.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
beforeAll(() => ensureBubblewrap());

type Place = { root: string; cwd: string; env: Record<string, string>; wrap?: CommandWrapper };

/** A checkout-like directory with HOME and TMPDIR beside it, and the environment a run gives. */
function place(): Place {
  // realpath: /tmp may be a symlink, and `pwd` prints the resolved directory.
  const root = realpathSync(mkdtempSync(join(tmpdir(), "understudy-setup-")));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const cwd = join(root, "repo");
  for (const dir of [cwd, join(root, "home"), join(root, "tmp")]) mkdirSync(dir);
  const env = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: join(root, "home"),
    TMPDIR: join(root, "tmp"),
    UNDERSTUDY_SETUP_TEST: "given",
  };
  return { root, cwd, env };
}

/** The same, with every command inside bubblewrap behind a proxy that allows nothing. */
async function sandboxedPlace(): Promise<Place> {
  const p = place();
  const proxy = await startNetworkProxy({
    socketPath: join(p.root, "proxy.sock"),
    rules: [],
    onBlocked: () => {},
  });
  cleanups.push(() => proxy.close());
  const layout = {
    workspace: p.cwd,
    home: p.env.HOME!,
    tmp: p.env.TMPDIR!,
    readOnly: [],
    network: { socketPath: proxy.socketPath, forwards: [] },
  };
  return { ...p, wrap: (cmd) => bubblewrapCommand(layout, cmd) };
}

async function run(p: Place, commands: string[], signal = new AbortController().signal) {
  const events: EventInput[] = [];
  const warnings: string[] = [];
  const failure = await runSetupCommands({
    commands,
    cwd: p.cwd,
    env: p.env,
    ...(p.wrap ? { wrap: p.wrap } : {}),
    signal,
    emit: (e) => events.push(e),
    warn: (m) => warnings.push(m),
  });
  return { failure, events, warnings };
}

/** `env` output as a map, without PWD (which the shell itself exports). */
function parseEnv(output: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of output.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(line.slice(0, eq)))
      env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  delete env.PWD;
  return env;
}

/** Host processes whose command line contains `marker` (a sleep duration no other test uses). */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").includes(marker))
        found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const results = (events: EventInput[]) => events.flatMap((e) => (e.type === "tool_result" ? [e.data] : []));

describe.each([
  ["bare", async () => place()],
  ["inside bubblewrap", sandboxedPlace],
] as const)("setup commands (%s)", (_, makePlace) => {
  it("runs each command in order in the checkout with exactly the given environment, shown as a shell call", async () => {
    const p = await makePlace();
    const commands = [
      "echo one >> order.txt && pwd",
      "echo two >> order.txt && env",
      "echo three >> order.txt",
    ];
    const { failure, events } = await run(p, commands);

    expect(failure).toBeNull();
    expect(readFileSync(join(p.cwd, "order.txt"), "utf8")).toBe("one\ntwo\nthree\n");
    expect(events.map((e) => e.type)).toEqual([
      "tool_call",
      "tool_result",
      "tool_call",
      "tool_result",
      "tool_call",
      "tool_result",
    ]);
    commands.forEach((command, i) => {
      expect(events[2 * i]).toEqual({
        type: "tool_call",
        data: {
          callId: `setup-${i + 1}`,
          kind: "shell",
          name: "setup",
          command,
          description: `Setup command ${i + 1} of 3 from .github/understudy.yml`,
          status: "running",
        },
      });
      expect(events[2 * i + 1]).toMatchObject({
        type: "tool_result",
        data: { callId: `setup-${i + 1}`, isError: false },
      });
    });
    const [pwd, env, last] = results(events);
    expect(pwd?.output.trim()).toBe(p.cwd);
    // Nothing of the test runner's environment (its HOME, npm_* variables, CI tokens) gets through.
    expect(parseEnv(env?.output ?? "")).toEqual(p.env);
    expect(last?.output).toBe("");
  });

  it("stops at the first failing command and says which, with what exit code and the end of its output", async () => {
    const p = await makePlace();
    const { failure, events } = await run(p, [
      "echo first > first.txt",
      "seq 1 100; echo 'npm ERR! could not resolve left-pad' >&2; exit 3",
      "echo never > never.txt",
    ]);

    expect(existsSync(join(p.cwd, "first.txt"))).toBe(true);
    expect(existsSync(join(p.cwd, "never.txt"))).toBe(false);
    const calls = events.flatMap((e) => (e.type === "tool_call" ? [e.data.callId] : []));
    expect(calls).toEqual(["setup-1", "setup-2"]);
    const failed = results(events)[1];
    expect(failed?.isError).toBe(true);
    expect(failed?.output).toMatch(/^Exit code 3\n1\n2\n/);
    expect(failed?.output).toContain("npm ERR! could not resolve left-pad");

    const lines = failure?.split("\n") ?? [];
    expect(lines[0]).toBe(
      "Setup command `seq 1 100; echo 'npm ERR! could not resolve left-pad' >&2; exit 3` failed (exit 3):",
    );
    // The tail only: the last 40 lines of output (61…100 and the error), not the whole log.
    expect(lines.slice(1)).toEqual([
      ...Array.from({ length: 39 }, (_, i) => String(62 + i)),
      "npm ERR! could not resolve left-pad",
    ]);
  });

  it("names a failing command that printed nothing without an empty tail", async () => {
    const p = await makePlace();
    const { failure } = await run(p, ["false"]);
    expect(failure).toBe("Setup command `false` failed (exit 1)");
  });

  it("kills a command and everything it started when the run is aborted, and reports no failure", async () => {
    const p = await makePlace();
    // A duration no other process has, to find these sleeps among the host's processes.
    const marker = `61.${process.pid}${Date.now() % 1000}`;
    const abort = new AbortController();
    const running = run(p, [`sleep ${marker} & sleep ${marker}`, "echo never > never.txt"], abort.signal);
    const deadline = Date.now() + 10_000;
    while (processesWith(marker).length < 2 && Date.now() < deadline) await sleep(50);
    expect(processesWith(marker)).toHaveLength(2);

    const started = Date.now();
    abort.abort(new Error("Stopped"));
    const { failure, events } = await running;
    // SIGTERM first; the shell may be a namespace's PID 1, which ignores it, so allow the 3 s grace.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(failure).toBeNull();
    expect(processesWith(marker)).toEqual([]);
    expect(existsSync(join(p.cwd, "never.txt"))).toBe(false);
    expect(events.map((e) => e.type)).toEqual(["tool_call", "tool_result"]);
    expect(results(events)[0]?.isError).toBe(true);
  });

  it("keeps only the end of a command's huge output", async () => {
    const p = await makePlace();
    // About 15 MB of output; the result keeps the last 32,000 characters.
    const { failure, events } = await run(p, ["seq 1 2000000"]);
    expect(failure).toBeNull();
    const output = results(events)[0]?.output ?? "";
    expect(output.length).toBeLessThanOrEqual(32_000);
    expect(output.length).toBeGreaterThan(31_000);
    expect(output.endsWith("1999999\n2000000\n")).toBe(true);
  });

  it("keeps characters whole where the pipe splits the output mid-character", async () => {
    const p = await makePlace();
    // 90,000 bytes of a 3-byte character: more than one pipe read, whose sizes are not multiples of 3.
    const { events } = await run(p, ["yes € | head -n 30000 | tr -d '\\n'"]);
    const output = results(events)[0]?.output ?? "";
    expect(output).toBe("€".repeat(30_000));
  });
});

it("runs nothing once the run has been aborted", async () => {
  const p = place();
  const abort = new AbortController();
  abort.abort();
  const { failure, events } = await run(p, ["echo ran > ran.txt"], abort.signal);
  expect(failure).toBeNull();
  expect(events).toEqual([]);
  expect(existsSync(join(p.cwd, "ran.txt"))).toBe(false);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
