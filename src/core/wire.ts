/**
 * The wire schema: every message between the sandbox bridge, the SessionDO and browsers.
 * zod is the one source of these types (`type X = z.infer<typeof X>`); every message that crosses
 * a process boundary is `safeParse`d against it.
 */
import * as z from "zod";

export const SessionStatus = z.enum([
  "queued",
  "provisioning",
  "running",
  "finishing",
  "completed",
  "failed",
  "cancelled",
]);
export type SessionStatus = z.infer<typeof SessionStatus>;

/** The coding agents a run can use; `claude-code` is the default. */
export const AGENT_NAMES = ["claude-code", "codex"] as const;
export const AgentName = z.enum(AGENT_NAMES);
export type AgentName = z.infer<typeof AgentName>;

export const TERMINAL_STATUSES: readonly SessionStatus[] = ["completed", "failed", "cancelled"];
export const isTerminal = (s: SessionStatus): boolean => TERMINAL_STATUSES.includes(s);

/**
 * What a tool call does, whatever the agent calls the tool. Renderers switch on this and nothing
 * else: each agent's adapter maps its own tools to a kind once, so a new agent is one new adapter.
 */
export const ToolKind = z.enum(["edit", "write", "read", "shell", "search", "web", "other"]);
export type ToolKind = z.infer<typeof ToolKind>;

/** A tool call in agent-neutral terms. Only `kind` decides how it is shown; the rest fills it in. */
export const ToolCall = z.object({
  callId: z.string(),
  kind: ToolKind,
  /** The agent's own name for the tool: an opaque label, shown only for kind `other`. */
  name: z.string(),
  /** The file or directory worked on, relative to the checkout (absolute only when outside it). */
  path: z.string().optional(),
  /** The command line of a `shell` call. */
  command: z.string().optional(),
  /** A short human phrase saying what the call is for (e.g. the agent's own words for a command). */
  description: z.string().optional(),
  /** What a `search` or `web` call looked for: a pattern, a glob or a query. */
  query: z.string().optional(),
  /** The page a `web` call fetched. */
  url: z.string().optional(),
  /** Lines an `edit` adds and removes, when the adapter can tell. */
  added: z.number().int().nonnegative().optional(),
  removed: z.number().int().nonnegative().optional(),
  /** The text an `edit` replaced, in order, for the transcript's before/after view. */
  edits: z.array(z.object({ before: z.string(), after: z.string() })).optional(),
  /** The whole new content of a `write`. */
  content: z.string().optional(),
  /**
   * The agent's input as it gave it, for the transcript's details. Adapters leave it out when the
   * fields above already carry it (edits and writes, whose content can be large).
   */
  input: z.unknown().optional(),
  status: z.enum(["running", "completed", "error"]),
});
export type ToolCall = z.infer<typeof ToolCall>;

/** Per-type payloads. Kept small and explicit: the status comment and transcript render from these. */
export const EventData = {
  session_status: z.object({ status: SessionStatus, reason: z.string().optional() }),
  sandbox_status: z.object({
    status: z.enum(["starting", "cloning", "ready", "running_agent", "committing", "pushing", "exited"]),
    detail: z.string().optional(),
  }),
  git_sync: z.object({ branch: z.string(), base: z.string(), headSha: z.string(), created: z.boolean() }),
  user_message: z.object({
    text: z.string(),
    author: z.string().optional(),
    /**
     * Set by the bridge when the agent continued its own conversation of this earlier run (the
     * sandbox kept its HOME): `text` is then the new request alone, without the earlier runs'
     * summaries, since the agent remembers them.
     */
    continuesRun: z.number().int().positive().optional(),
  }),
  assistant_text: z.object({ text: z.string() }),
  tool_call: ToolCall,
  tool_result: z.object({ callId: z.string(), output: z.string(), isError: z.boolean() }),
  step_finish: z.object({
    tokens: z.object({ input: z.number(), output: z.number() }),
    costUsd: z.number(),
  }),
  push_complete: z.object({
    branch: z.string(),
    sha: z.string(),
    /** Commits on the branch that the base branch does not have; 0 means there was nothing to push. */
    commitsAhead: z.number().int().nonnegative(),
    pushed: z.boolean(),
  }),
  push_error: z.object({ branch: z.string(), error: z.string() }),
  artifact: z.object({
    kind: z.enum(["branch", "pr"]),
    url: z.string(),
    number: z.number().int().optional(),
  }),
  execution_complete: z.object({
    success: z.boolean(),
    error: z.string().optional(),
    summary: z.string().optional(),
    durationMs: z.number().optional(),
  }),
  error: z.object({ message: z.string() }),
  heartbeat: z.object({}),
  /**
   * How the run's agent is isolated: `bubblewrap` (its own namespaces, only its workspace writable,
   * the network only through the allowlisting proxy) or `none`, when the sandbox host was started
   * with --unsafe-no-isolation. Sent once, before the agent starts.
   */
  isolation: z.object({
    mode: z.enum(["bubblewrap", "none"]),
    /** The host rules the proxy lets through (`host`, `host:port`, `*.domain`). */
    allowedHosts: z.array(z.string()),
    /** The memory and process-count limits in force, when the host could set them (a cgroup). */
    limits: z
      .object({ memoryBytes: z.number().int().positive(), processes: z.number().int().positive() })
      .optional(),
  }),
  /** Changes the bridge kept off the pushed branch (workflow files), and why. */
  files_left_out: z.object({
    paths: z.array(z.string()),
    reason: z.string(),
    /**
     * What kept them out: workflow files (not allowed by the config; the status comment says so,
     * the default) or the setup commands' changes to tracked files (not the agent's work: shown in
     * the transcript only).
     */
    kind: z.enum(["workflows", "setup"]).optional(),
  }),
  /** The sandbox tried to reach a host its allowlist does not name; sent once per host and port. */
  network_blocked: z.object({ host: z.string(), port: z.number().int().min(1).max(65_535) }),
} as const;

type EventDataMap = typeof EventData;
export type EventType = keyof EventDataMap;
export type EventPayload<T extends EventType> = z.infer<EventDataMap[T]>;

const eventVariant = <T extends EventType>(type: T) =>
  z.object({
    /** Assigned by the sandbox, unique per session run; control-plane events have seq 0. */
    seq: z.number().int().nonnegative(),
    type: z.literal(type),
    /** ISO-8601 time the event happened. */
    at: z.string(),
    data: EventData[type],
  });

export const Event = z.discriminatedUnion("type", [
  eventVariant("session_status"),
  eventVariant("sandbox_status"),
  eventVariant("git_sync"),
  eventVariant("user_message"),
  eventVariant("assistant_text"),
  eventVariant("tool_call"),
  eventVariant("tool_result"),
  eventVariant("step_finish"),
  eventVariant("push_complete"),
  eventVariant("push_error"),
  eventVariant("artifact"),
  eventVariant("execution_complete"),
  eventVariant("error"),
  eventVariant("heartbeat"),
  eventVariant("isolation"),
  eventVariant("network_blocked"),
  eventVariant("files_left_out"),
]);
export type Event = z.infer<typeof Event>;

/** An event before the bridge has given it a sequence number and time. */
export type EventInput = { [T in EventType]: { type: T; data: EventPayload<T> } }[EventType];

/** Sandbox → SessionDO, over the bridge's WebSocket. */
export const SandboxMessage = z.discriminatedUnion("type", [
  /** First message after every (re)connect: the highest seq the bridge has seen acknowledged. */
  z.object({ type: z.literal("hello"), lastAckedSeq: z.number().int().nonnegative() }),
  z.object({ type: z.literal("events"), events: z.array(Event).max(500) }),
]);
export type SandboxMessage = z.infer<typeof SandboxMessage>;

/** SessionDO → sandbox. */
export const ControlMessage = z.discriminatedUnion("type", [
  /** Every event with seq ≤ this one is stored; the bridge may forget it. */
  z.object({ type: z.literal("ack"), seq: z.number().int().nonnegative() }),
  z.object({ type: z.literal("prompt"), text: z.string() }),
  z.object({ type: z.literal("stop"), reason: z.string().optional() }),
]);
export type ControlMessage = z.infer<typeof ControlMessage>;

/** Answer to `POST /sessions/:id/sandbox/git-token`: a short-lived token for this repository only. */
export const GitTokenResponse = z.object({ token: z.string().min(1), expiresAt: z.string() });
export type GitTokenResponse = z.infer<typeof GitTokenResponse>;

export const GitIdentity = z.object({ name: z.string(), email: z.string() });

/**
 * What a sandbox provider is asked to run: everything the bridge needs, and no GitHub credential.
 * The bridge fetches a git token from `controlUrl` with `token` when it clones and again when it pushes.
 */
export const SandboxSpec = z.object({
  sessionId: z.string().min(1),
  /** Runs of one session are numbered from 1; a follow-up is a new run on the same branch. */
  run: z.number().int().positive(),
  /** Base URL of the control plane (the Worker), as reachable from the sandbox. */
  controlUrl: z.string().url(),
  /** Random per spawn; the control plane stores only its hash. */
  token: z.string().min(32),
  repo: z.object({
    cloneUrl: z.string().url(),
    owner: z.string(),
    name: z.string(),
    baseBranch: z.string(),
    branch: z.string(),
    /**
     * Start the branch at this commit (a pull request's head, pinned when it was asked): on an
     * existing branch the push is leased to it, so commits pushed since are never overwritten.
     */
    startSha: z
      .string()
      .regex(/^[0-9a-f]{40}$/)
      .optional(),
    /**
     * The commit this session last pushed to `branch`. A remote branch still at it moved only by the
     * session itself, so a request pinned to an older head starts from it rather than undo its work.
     */
    ownSha: z
      .string()
      .regex(/^[0-9a-f]{40}$/)
      .optional(),
    /**
     * When the push to `branch` (someone else's pull request branch) is refused, push the work to
     * this new branch of the session's own instead, so it is not lost.
     */
    fallbackBranch: z.string().min(1).optional(),
    /** Fetch `startSha` from this ref of the base repository (a fork's `refs/pull/<n>/head`). */
    startRef: z
      .string()
      .regex(/^refs\/pull\/\d+\/head$/)
      .optional(),
  }),
  prompt: z.string().min(1),
  /**
   * A follow-up's request alone: `prompt` without the section on the earlier runs. The bridge gives
   * it instead of `prompt` when the agent continues its own conversation of an earlier run (which
   * already holds those runs); a new conversation gets `prompt`. Unset on a first run.
   */
  request: z.string().min(1).optional(),
  agent: AgentName,
  model: z.string().optional(),
  /**
   * Commands from the repository's config, run in order in the checkout, inside the sandbox, before
   * the agent starts. One that fails ends the run with its output.
   */
  setup: z.array(z.string().min(1)).max(50).optional(),
  /** Hosts the sandbox may reach besides the model API (`host`, `host:port`, `*.domain`). */
  networkAllow: z.array(z.string().min(1)).max(100).optional(),
  /**
   * The run's budget besides its time limit: model turns (counted as count-turns.ts does) and the
   * cost the agent reports. Reaching either stops the agent; its work is committed and pushed.
   */
  budget: z.object({ maxTurns: z.number().int().positive(), maxCostUsd: z.number().positive() }).optional(),
  /** Push changes under .github/workflows/ too (otherwise they are left out and reported). */
  allowWorkflowChanges: z.boolean().optional(),
  /** Events of this run get seq startSeq+1, startSeq+2, … */
  startSeq: z.number().int().nonnegative(),
  author: GitIdentity,
  coAuthor: GitIdentity,
  /** First line of the commit the bridge makes for what the agent left uncommitted. */
  commitTitle: z.string().min(1),
  timeLimitMs: z.number().int().positive(),
  /**
   * How often the bridge sends a heartbeat while nothing else happens. The control plane sets it, so
   * its silence timeout (several heartbeats) and the bridge can never disagree.
   */
  heartbeatMs: z.number().int().positive().optional(),
});
export type SandboxSpec = z.infer<typeof SandboxSpec>;

/** Answer of a sandbox provider's spawn. */
export const SandboxHandle = z.object({ sandboxId: z.string().min(1) });
export type SandboxHandle = z.infer<typeof SandboxHandle>;
