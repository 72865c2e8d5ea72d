/**
 * Starts one bridge process for one run, in its own directory and PID namespace, with the spec on
 * stdin. The directory stays after the process exits: whatever the run left there (a commit that
 * could not be pushed, for instance) is never deleted by the host. A bridge that dies without
 * finishing (killed, out of memory, crashed; not stopped by the host) is started once more in the
 * same directory with UNDERSTUDY_RECOVER, to resend what it spooled and save the agent's work.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, utimes } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { redact } from "../../core/redact.js";
import type { SandboxSpec } from "../../core/wire.js";
import { inPidNamespace } from "../agents/pid-namespace.js";
import { type ProcessStopper, processStopper } from "../agents/process-stopper.js";
import type { BridgeLog } from "../bridge/log.js";
import type { Isolation, ModelEnv } from "../bridge/run-bridge.js";
import { builtBridgeFile } from "./build-bridge.js";
import { sessionDirOf } from "./session-dir.js";

export type BridgeCommand = { command: string; args: string[] };

export type Sandbox = {
  id: string;
  sessionId: string;
  run: number;
  /** The sandbox directory: repo/, home/, tmp/. Kept after exit. */
  dir: string;
  /**
   * The run's current process: `unshare` where the bridge runs in a PID namespace, else the bridge;
   * after the first bridge died, the one started again to finish the run.
   */
  pid: number;
  /**
   * Stops the bridge and everything under it: `stopper.stop(grace)` sends SIGTERM (the bridge then
   * stops the agent, commits and pushes), and SIGKILL if the grace runs out.
   */
  stopper: ProcessStopper;
  startedAt: string;
  running: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Resolves when the bridge process has exited. */
  exited: Promise<void>;
};

/** `node <bundle>`: the bridge as build-bridge.ts built it, which the host awaits at start-up. */
export function defaultBridgeCommand(): BridgeCommand {
  return { command: process.execPath, args: [builtBridgeFile()] };
}

export type SpawnBridgeOptions = {
  root: string;
  /** Claude Code's model API (ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY). */
  modelEnv: ModelEnv;
  /** Codex's model API (OPENAI_BASE_URL, OPENAI_API_KEY). */
  openaiEnv?: ModelEnv;
  log: BridgeLog;
  command?: BridgeCommand;
  /** How the bridge isolates the agent (UNDERSTUDY_ISOLATION); default bubblewrap. */
  isolation?: Isolation;
  /** Root of the per-repository git mirrors, passed on as UNDERSTUDY_MIRROR_DIR; unset, no cache. */
  mirrorDir?: string;
  /** The agent sandbox's memory (MiB) and process-count limits; the bridge's defaults otherwise. */
  limits?: { memoryMb?: number; processes?: number };
};

export async function spawnBridge(spec: SandboxSpec, opts: SpawnBridgeOptions): Promise<Sandbox> {
  const prefix = spec.sessionId.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 12) || "session";
  const id = `${prefix}-r${spec.run}-${randomBytes(4).toString("hex")}`;
  const dir = join(opts.root, id);
  await mkdir(join(dir, "home"), { recursive: true });
  await mkdir(join(dir, "tmp"), { recursive: true });
  // The agent's HOME for every run of the session here, so a follow-up continues its conversation;
  // the bridge's own HOME stays the sandbox's. Touched: pruning goes by when it was last used.
  const sessionDir = sessionDirOf(opts.root, spec.sessionId);
  await mkdir(join(sessionDir, "home"), { recursive: true, mode: 0o700 });
  const now = new Date();
  await utimes(sessionDir, now, now);

  // Only what the bridge needs: none of the host's own variables (its secret, cloud credentials)
  // reach the sandbox. The spec, with the sandbox token, goes through stdin instead.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: join(dir, "home"),
    TMPDIR: join(dir, "tmp"),
    LANG: "C.UTF-8",
    UNDERSTUDY_WORK_DIR: dir,
    UNDERSTUDY_SESSION_DIR: sessionDir,
    UNDERSTUDY_ISOLATION: opts.isolation ?? "bubblewrap",
  };
  if (opts.limits?.memoryMb) env.UNDERSTUDY_MEMORY_MB = String(opts.limits.memoryMb);
  if (opts.limits?.processes) env.UNDERSTUDY_MAX_PROCESSES = String(opts.limits.processes);
  if (opts.modelEnv.baseUrl) env.ANTHROPIC_BASE_URL = opts.modelEnv.baseUrl;
  if (opts.modelEnv.apiKey) env.ANTHROPIC_API_KEY = opts.modelEnv.apiKey;
  if (opts.openaiEnv?.baseUrl) env.OPENAI_BASE_URL = opts.openaiEnv.baseUrl;
  if (opts.openaiEnv?.apiKey) env.OPENAI_API_KEY = opts.openaiEnv.apiKey;
  if (opts.mirrorDir) env.UNDERSTUDY_MIRROR_DIR = opts.mirrorDir;

  // The bridge is PID 1 of a namespace of its own: when it exits, or is killed on a stop, the kernel
  // ends everything the run started, daemons included. Where no namespace can be made, the host
  // falls back to killing the process tree it can still see, and says so. (The namespace does not
  // isolate the filesystem: bubblewrap's read-only binds would, wrapped around the same command.)
  const direct = opts.command ?? defaultBridgeCommand();
  const isolated = inPidNamespace(direct);
  if (!isolated) {
    opts.log.warn(
      `[sandbox ${id}] PID namespaces are not available here: a process the run puts in the background ` +
        "with setsid can outlive a stop",
    );
  }
  const { command, args } = isolated ?? direct;
  const secrets = [spec.token, opts.modelEnv.apiKey ?? "", opts.openaiEnv?.apiKey ?? ""].filter(
    (s) => s.length >= 8,
  );

  let markExited!: () => void;
  // Set on a stop or kill from the host: a bridge that exits after it is not started again.
  let stopRequested = false;
  let recovering = false;
  const launch = (extraEnv: Record<string, string>) => {
    const child = spawn(command, args, {
      cwd: dir,
      env: { ...env, ...extraEnv },
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) =>
        opts.log.info(`[sandbox ${id}] ${redact(line.slice(0, 4_000), secrets)}`),
      );
    }
    child.on("error", (err) => opts.log.error(`[sandbox ${id}] ${err.message}`));
    child.stdin.on("error", (err) =>
      opts.log.warn(`[sandbox ${id}] could not write the spec: ${err.message}`),
    );
    child.stdin.end(JSON.stringify(spec));
    return child;
  };

  const first = launch({});
  if (first.pid === undefined) {
    const err = await new Promise<Error>((resolve) => first.once("error", resolve));
    throw new Error(`could not start the bridge: ${err.message}`);
  }
  let current = { pid: first.pid, stopper: processStopper(first.pid, isolated !== null) };
  // The host's handle on whichever bridge process is the run's now (the first, or the one that
  // finishes the run after the first died): a stop reaches that one, and no other is started after it.
  const stopper: ProcessStopper = {
    terminate: () => {
      stopRequested = true;
      current.stopper.terminate();
    },
    kill: () => {
      stopRequested = true;
      current.stopper.kill();
    },
    exited: () => current.stopper.exited(),
    stop: async (graceMs) => {
      stopRequested = true;
      await current.stopper.stop(graceMs);
    },
  };

  const sandbox: Sandbox = {
    id,
    sessionId: spec.sessionId,
    run: spec.run,
    dir,
    pid: current.pid,
    stopper,
    startedAt: new Date().toISOString(),
    running: true,
    exitCode: null,
    signal: null,
    exited: new Promise<void>((resolve) => {
      markExited = resolve;
    }),
  };

  const watch = (child: ChildProcess, own: ProcessStopper) => {
    child.once("exit", (code, signal) => {
      own.exited();
      const how = signal ? `killed by ${signal}` : `exit ${code}`;
      // Died without finishing (killed, out of memory, crashed): a second bridge, once, resends what
      // the first spooled, saves the agent's work and ends the run (recover-run.ts). Exit 2 is a spec
      // it could not read, which a second one could not either.
      if (!stopRequested && !recovering && code !== 0 && code !== 2) {
        recovering = true;
        opts.log.warn(`[sandbox ${id}] the bridge died (${how}); starting it again to finish the run`);
        const next = launch({ UNDERSTUDY_RECOVER: how });
        if (next.pid !== undefined) {
          current = { pid: next.pid, stopper: processStopper(next.pid, isolated !== null) };
          sandbox.pid = next.pid;
          watch(next, current.stopper);
          return;
        }
        opts.log.error(`[sandbox ${id}] could not start the bridge again`);
      }
      sandbox.running = false;
      sandbox.exitCode = code;
      sandbox.signal = signal;
      opts.log.info(`[sandbox ${id}] exited (${signal ?? `code ${code}`}); its directory stays at ${dir}`);
      markExited();
    });
  };
  watch(first, current.stopper);

  return sandbox;
}
