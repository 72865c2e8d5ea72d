/**
 * Model turns of a run, counted the same way for every agent from the agent-neutral events: a turn is
 * one answer of the model, text and/or tool calls; the next one starts with the first text or call
 * after a tool result. The bridge enforces the turn budget with it and the status comment shows it,
 * so both count alike. (Claude Code reports its own `num_turns` only at the end, Codex none.)
 */
import type { EventInput } from "./wire.js";

export type TurnCounter = { turns: number; afterResult: boolean };

export const newTurnCounter = (): TurnCounter => ({ turns: 0, afterResult: true });

/** Counts one event in; returns the counter (mutated) for chaining. Setup commands are no turns. */
export function countTurn(counter: TurnCounter, e: EventInput): TurnCounter {
  const type = e.type;
  if (type === "tool_call" && e.data.name === "setup" && e.data.callId.startsWith("setup-")) return counter;
  if (type === "tool_result" && e.data.callId.startsWith("setup-")) return counter;
  if (type === "assistant_text" || type === "tool_call") {
    if (counter.afterResult) counter.turns++;
    counter.afterResult = false;
  } else if (type === "tool_result") {
    counter.afterResult = true;
  }
  return counter;
}

/** The budget a run gets unless the repository's config sets another. */
export const DEFAULT_MAX_TURNS = 150;
export const DEFAULT_MAX_COST_USD = 10;
