import type { StandInState } from "./stand-in-state.js";

export function nextId(state: StandInState): number {
  const id = state.nextId;
  state.nextId += 1;
  return id;
}
