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
}

export class SandboxProviderError extends Error {
  override name = "SandboxProviderError";
}
