/**
 * The contract every coding agent runner meets (Claude Code today, Codex next): run one prompt in a
 * checkout, report what happens as wire events, and resolve, never reject, with how it ended.
 */
import * as z from "zod";
import type { EventInput } from "../../core/wire.js";
import type { CommandWrapper } from "./agent-command.js";

/**
 * An agent's own id for a conversation (Claude Code's `session_id`, Codex's `thread_id`): a UUID in
 * both. Checked before it goes into a path or an argument, since it comes from the agent's output
 * and from a file a run left behind.
 */
export const ConversationId = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "not a UUID");
export type ConversationId = z.infer<typeof ConversationId>;

export type AgentOptions = {
  prompt: string;
  /**
   * Continue this earlier conversation of the agent (found in its HOME) with `prompt` as the next
   * message, instead of starting a new one. Must be a {@link ConversationId}.
   */
  resume?: string;
  /** The checkout the agent works in. */
  cwd: string;
  /** The agent's whole environment; runners pass it as is, so no credential of the host leaks in. */
  env: Record<string, string>;
  model?: string;
  /** The agent's own cost cap, where its CLI has one (Claude Code's --max-budget-usd). */
  maxCostUsd?: number;
  /** Aborting stops the agent's whole process tree; the run then resolves with success false. */
  signal?: AbortSignal;
  /**
   * Set by the bridge when the agent runs under bubblewrap: runners pass their command line through
   * it (see agent-command.ts) and spawn what it returns.
   */
  wrap?: CommandWrapper;
  /** Told when the run cannot be isolated as it should be (e.g. no PID namespace on this machine). */
  warn?: (message: string) => void;
};

export type AgentResult = {
  success: boolean;
  /** The agent's final message; its first line is meant as a pull request title. */
  summary?: string;
  error?: string;
  durationMs: number;
  exitCode: number | null;
  /**
   * The conversation the agent ran in, as its stream named it: set whenever it was seen, also when
   * the run failed or was stopped (the conversation exists then, and a later run can continue it).
   */
  conversationId?: string;
};

export type Agent = (opts: AgentOptions, onEvent: (e: EventInput) => void) => Promise<AgentResult>;
