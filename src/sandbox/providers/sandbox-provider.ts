/**
 * How the control plane starts and stops sandboxes. Implementations here use only `fetch`, so the
 * SessionDO can call them from workerd; what runs inside the sandbox (host, bridge, agents) is Node.
 */
import type { SandboxHandle, SandboxSpec } from "../../core/wire.js";

export interface SandboxProvider {
  /** Starts the bridge for one run and returns as soon as the sandbox exists, not when it is done. */
  spawn(spec: SandboxSpec): Promise<SandboxHandle>;
  /** Stops the sandbox and every process in it. Stopping an already finished sandbox is not an error. */
  stop(sandboxId: string): Promise<void>;
  /**
   * The run is over (its bridge reported the end): free what the sandbox holds. Only providers whose
   * sandboxes outlive their bridge need it (a container); the sandbox host's end by themselves.
   */
  release?(sandboxId: string): Promise<void>;
  /**
   * The id `spawn` will return for `spec`, where the provider names its sandboxes itself (a
   * container): stored before the spawn, so a control plane reset mid-spawn cannot lose the sandbox.
   */
  nameFor?(spec: SandboxSpec): string;
}

export class SandboxProviderError extends Error {
  override name = "SandboxProviderError";
}
