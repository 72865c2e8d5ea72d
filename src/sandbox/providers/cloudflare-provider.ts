/**
 * Sandboxes on Cloudflare's containers, through the Sandbox SDK's Durable Object (`@cloudflare/sandbox`,
 * exported by worker/with-containers.ts and bound as `SANDBOX`): one container per run, named after
 * the session and the run, built from container/Dockerfile (the bridge, git, the pinned agent CLIs).
 *
 * The SessionDO calls the Sandbox object's RPC methods directly (the SDK's `getSandbox` does the
 * same, after a `configure` call this provider makes as `setSleepAfter`), so the Worker's default
 * bundle carries none of the SDK. A spawn writes the spec to a file in the container (never argv or
 * the environment; the bridge reads and deletes it) and starts the bridge with the model key of the
 * run's agent, and nothing else secret: the bridge asks the control plane for a short-lived git token
 * to clone and to push, as it does on the sandbox host.
 *
 * The container sleeps only after `sleepAfter` without a call to its object, and nothing calls it
 * during a run: so the timer is set beyond the run's time limit, and the container is destroyed when
 * the run ends (`release`) or is stopped (`stop`). A stop destroys at once: by then the bridge has
 * saved the work (a user's stop waits for it, STOP_GRACE_MS), or the sandbox is lost, or the bridge
 * pushed at its own time limit. Nothing here calls a method that would start a stopped container
 * (every one does but `getState` and `destroy`) except `spawn`.
 */
import type { SandboxHandle, SandboxSpec } from "../../core/wire.js";
import { type SandboxProvider, SandboxProviderError } from "./sandbox-provider.js";

/** What this provider calls on the Sandbox SDK's object; worker/with-containers.ts checks the SDK fits. */
export interface SandboxObject {
  setSleepAfter(sleepAfter: string | number): Promise<void>;
  writeFile(path: string, content: string, options?: { encoding?: string }): Promise<unknown>;
  startProcess(
    command: string,
    options?: { processId?: string; env?: Record<string, string | undefined>; cwd?: string },
  ): Promise<{ id: string; pid?: number }>;
  destroy(): Promise<void>;
}

/** The `SANDBOX` binding, as far as this provider uses it. */
export interface SandboxNamespace<Id = unknown> {
  idFromName(name: string): Id;
  get(id: Id): SandboxObject;
}

/** The model API settings the Worker holds as secrets; a run gets those of its own agent only. */
export type ModelSecrets = {
  ANTHROPIC_API_KEY?: string | undefined;
  ANTHROPIC_BASE_URL?: string | undefined;
  OPENAI_API_KEY?: string | undefined;
  OPENAI_BASE_URL?: string | undefined;
};

/** Where container/Dockerfile puts the bridge, and where a run's files go. */
export const CONTAINER_BRIDGE = "/opt/understudy/bridge.mjs";
const RUN_DIR = "/workspace/run";
const SPEC_FILE = "/workspace/spec.json";
/** The bridge's process id in the Sandbox object (one bridge per container). */
export const BRIDGE_PROCESS = "bridge";

/** Beyond the run's own time limit (the spec's): the bridge commits and pushes after it, a stop's grace follows. */
const SLEEP_MARGIN_MS = 15 * 60_000;

export function cloudflareProvider<Id>(opts: {
  namespace: SandboxNamespace<Id>;
  secrets: ModelSecrets;
  /** How the bridge isolates the agent inside the container (default bubblewrap). */
  isolation?: "bubblewrap" | "none";
}): SandboxProvider {
  const sandbox = (sandboxId: string) => opts.namespace.get(opts.namespace.idFromName(sandboxId));
  const destroy = async (sandboxId: string) => {
    try {
      await sandbox(sandboxId).destroy();
    } catch (error) {
      throw new SandboxProviderError(`could not destroy the container ${sandboxId}: ${plainWords(error)}`);
    }
  };
  return {
    async spawn(spec: SandboxSpec): Promise<SandboxHandle> {
      const sandboxId = containerName(spec);
      const box = sandbox(sandboxId);
      try {
        const minutes = Math.ceil((spec.timeLimitMs + SLEEP_MARGIN_MS) / 60_000);
        await box.setSleepAfter(`${minutes}m`);
        // Starts the container when it is not running: the slow step of a cold spawn.
        await box.writeFile(SPEC_FILE, JSON.stringify(spec));
        const started = await box.startProcess(`node ${CONTAINER_BRIDGE}`, {
          processId: BRIDGE_PROCESS,
          cwd: "/workspace",
          env: bridgeEnv(spec, opts.secrets, opts.isolation ?? "bubblewrap"),
        });
        // The SDK returns a handle whose methods are RPC stubs: let it go at once.
        (started as { [Symbol.dispose]?: () => void })[Symbol.dispose]?.();
      } catch (error) {
        // Whatever got started must not run on, billed, with no run to report to.
        await box.destroy().catch(() => {});
        throw new SandboxProviderError(`Cloudflare could not start a container: ${plainWords(error)}`);
      }
      return { sandboxId };
    },

    stop: destroy,
    release: destroy,
    nameFor: containerName,
  };
}

/**
 * The container's name: the object is addressed by it, and the SDK takes 1–63 lowercase characters.
 * One per run, so a follow-up never lands in a container that is being destroyed.
 */
export function containerName(spec: Pick<SandboxSpec, "sessionId" | "run">): string {
  const session = spec.sessionId
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, 40);
  return `us-${session}-r${spec.run}`;
}

/** The bridge's environment: where the spec is, and the model API of the run's agent. */
export function bridgeEnv(
  spec: SandboxSpec,
  secrets: ModelSecrets,
  isolation: "bubblewrap" | "none",
): Record<string, string> {
  const env: Record<string, string> = {
    UNDERSTUDY_SPEC_FILE: SPEC_FILE,
    UNDERSTUDY_WORK_DIR: RUN_DIR,
    UNDERSTUDY_ISOLATION: isolation,
  };
  const model =
    spec.agent === "codex"
      ? { OPENAI_API_KEY: secrets.OPENAI_API_KEY, OPENAI_BASE_URL: secrets.OPENAI_BASE_URL }
      : { ANTHROPIC_API_KEY: secrets.ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL: secrets.ANTHROPIC_BASE_URL };
  for (const [name, value] of Object.entries(model)) if (value) env[name] = value;
  return env;
}

/**
 * The SDK's failures reach the SessionDO as plain Errors (their classes do not cross RPC): the
 * message is all there is. The ones a maintainer can act on are said in plain words.
 */
export function plainWords(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/no container instance|Maximum number of running container instances exceeded/i.test(message))
    return `no container is free (${message}); raise max_instances in wrangler.toml or wait for runs to end`;
  if (/permanent error/i.test(message))
    return "the container cannot start (a permanent error: check the image and instance_type of [[containers]] in wrangler.toml)";
  if (/Container is starting/i.test(message)) return "the container did not start in time";
  if (/Containers have not been enabled/i.test(message))
    return "containers are not enabled for the SANDBOX object (the [[containers]] section of wrangler.toml)";
  return message;
}
