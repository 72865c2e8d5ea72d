/**
 * A stand-in for the Sandbox SDK's Durable Object (`Sandbox` of @cloudflare/sandbox), bound as
 * `SANDBOX` in the workers tests (vitest.workers.config.ts): the real class cannot run there (it needs
 * a container runtime). It answers the RPC methods cloudflare-provider.ts calls, records each call,
 * and fails the ones a test asks it to, with the messages the SDK's errors carry across RPC (plain
 * Errors: their classes do not cross). What it never does is run anything: the test plays the bridge
 * with the spec the provider wrote.
 *
 * The record is module state, shared with the tests: the pool runs them and the Worker's objects in
 * one isolate. Each container is keyed by its object's id (`env.SANDBOX.idFromName(name)`).
 */
import { DurableObject } from "cloudflare:workers";

export type DoubleCall = { method: string; args: unknown[] };

export type DoubleContainer = {
  calls: DoubleCall[];
  files: Map<string, string>;
  /** Processes by id, as started; destroy kills them. */
  processes: Map<string, { command: string; env: Record<string, string>; cwd?: string; status: string }>;
  running: boolean;
  destroyed: boolean;
};

const containers = new Map<string, DoubleContainer>();
/** method → error message, for the next call of that method on any container. */
const failures = new Map<string, string>();

export const sandboxDouble = {
  /** The container of the object with this id (created on first use). */
  container(id: string): DoubleContainer {
    let c = containers.get(id);
    if (!c) {
      c = { calls: [], files: new Map(), processes: new Map(), running: false, destroyed: false };
      containers.set(id, c);
    }
    return c;
  },
  /** Fails the next call of `method` (on whichever container) with `message`. */
  failNext(method: string, message: string): void {
    failures.set(method, message);
  },
  reset(): void {
    containers.clear();
    failures.clear();
  },
};

export class SandboxDouble extends DurableObject {
  private get container(): DoubleContainer {
    return sandboxDouble.container(this.ctx.id.toString());
  }

  private record(method: string, args: unknown[]): DoubleContainer {
    const c = this.container;
    c.calls.push({ method, args });
    const failure = failures.get(method);
    if (failure !== undefined) {
      failures.delete(method);
      throw new Error(failure);
    }
    return c;
  }

  async setSleepAfter(sleepAfter: string | number): Promise<void> {
    this.record("setSleepAfter", [sleepAfter]);
  }

  async writeFile(path: string, content: string): Promise<{ success: boolean }> {
    const c = this.record("writeFile", [path]);
    // Any call but getState and destroy starts the container, as the SDK's does.
    c.running = true;
    c.destroyed = false;
    c.files.set(path, content);
    return { success: true };
  }

  async startProcess(
    command: string,
    options: { processId?: string; env?: Record<string, string>; cwd?: string } = {},
  ): Promise<{ id: string; pid: number; command: string; status: string }> {
    const c = this.record("startProcess", [command, { ...options, env: Object.keys(options.env ?? {}) }]);
    c.running = true;
    const id = options.processId ?? `proc-${c.processes.size + 1}`;
    c.processes.set(id, {
      command,
      env: { ...options.env },
      ...(options.cwd ? { cwd: options.cwd } : {}),
      status: "running",
    });
    return { id, pid: 100 + c.processes.size, command, status: "running" };
  }

  async destroy(): Promise<void> {
    const c = this.record("destroy", []);
    for (const p of c.processes.values()) if (p.status === "running") p.status = "killed";
    c.files.clear();
    c.running = false;
    c.destroyed = true;
  }
}
