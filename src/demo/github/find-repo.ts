import type { StandInRepo, StandInState } from "./stand-in-state.js";

/** GitHub matches owner and repository names without regard to case. */
export function findRepo(state: StandInState, owner: string, name: string): StandInRepo | undefined {
  const o = owner.toLowerCase();
  const n = name.toLowerCase();
  return state.repos.find((r) => r.owner.toLowerCase() === o && r.name.toLowerCase() === n);
}
