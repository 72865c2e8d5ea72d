/**
 * What the session modules share: storage, configuration, GitHub and the sandbox provider.
 * Built once per Durable Object instance; each concern (lifecycle, comment, sockets, timers) is a
 * small module of functions over it.
 */
import type { Octokit } from "@octokit/rest";
import type { Permit } from "../../src/core/circuit-breaker.js";
import type { ControlMessage } from "../../src/core/wire.js";
import type { SandboxProvider } from "../../src/sandbox/providers/sandbox-provider.js";
import type { Config } from "../config.js";
import type { SessionStore } from "./store.js";

/** The Octokit surface the session uses (Probot's Octokit, with retry and throttling). */
export type GitHubClient = Pick<Octokit, "rest">;

export type SessionDeps = {
  id: string;
  ctx: DurableObjectState;
  store: SessionStore;
  config: Config;
  provider: SandboxProvider;
  /** The provider's circuit breaker (worker/sandbox-breaker.ts), shared by every session. */
  breaker: {
    permit(): Promise<Permit>;
    report(outcome: { ok: true } | { ok: false; error: string }): Promise<void>;
  };
  /** Installation-authenticated client. */
  github(installationId: number): Promise<GitHubClient>;
  /** App-authenticated (JWT) client, for minting installation tokens. */
  githubApp(): Promise<GitHubClient>;
  /** Routes a thread (`<repoId>#<number>`) to this session's key, durably (worker/session-links.ts). */
  linkThread(thread: string, sessionKey: string): Promise<void>;
  /** Sends a control message to the current run's sandbox socket(s); false when none is connected. */
  toSandbox(run: number, message: ControlMessage): boolean;
  /** Handles the inbox's due deliveries (worker/session/inbox.ts); serialized, never rejects. */
  processInbox(): Promise<void>;
  now(): number;
  log(msg: string, fields?: Record<string, unknown>): void;
};
