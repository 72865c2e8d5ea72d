/**
 * What a session's directory on this host (UNDERSTUDY_SESSION_DIR) remembers of the agent between
 * runs: which agent last ran in its `home/`, the conversation that run left, and the run's number.
 * It is written by the bridge after each run, beside `home/` and not in it: the agent never sees it
 * (bubblewrap shows it the home only), so the bridge reads nothing the agent wrote.
 */
import { randomBytes } from "node:crypto";
import { lstatSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod";
import { AgentName } from "../../core/wire.js";
import { ConversationId } from "../agents/agent.js";

export const AgentState = z.object({
  agent: AgentName,
  conversationId: ConversationId,
  run: z.number().int().positive(),
});
export type AgentState = z.infer<typeof AgentState>;

export const AGENT_STATE_FILE = "agent.json";

/** A few dozen bytes when well formed: anything much larger is not ours. */
const MAX_STATE_BYTES = 4_096;

/** The state in `sessionDir`, or null when there is none or it is not valid (never throws). */
export function readAgentState(sessionDir: string): AgentState | null {
  const file = join(sessionDir, AGENT_STATE_FILE);
  try {
    const st = lstatSync(file);
    if (!st.isFile() || st.size > MAX_STATE_BYTES) return null;
    const parsed = AgentState.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Replaces the state in `sessionDir` in one rename, so a reader never sees half of it. */
export function writeAgentState(sessionDir: string, state: AgentState): void {
  const valid = AgentState.parse(state);
  const file = join(sessionDir, AGENT_STATE_FILE);
  // Every bridge is pid 1 of its namespace: a random name, though writers hold the session lock anyway.
  const temp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(temp, `${JSON.stringify(valid)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}
