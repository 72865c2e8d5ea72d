import type { StandInState, StandInUser } from "./stand-in-state.js";

/** GitHub logins are case-insensitive. */
export function findUser(state: StandInState, login: string): StandInUser | undefined {
  const l = login.toLowerCase();
  return state.users.find((u) => u.login.toLowerCase() === l);
}
