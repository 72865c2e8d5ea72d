import { findUser } from "./find-user.js";
import { nextId } from "./next-id.js";
import type { StandInState, StandInUser } from "./stand-in-state.js";

/** The user with this login (any case), created with `type` if it does not exist yet. */
export function ensureUser(
  state: StandInState,
  login: string,
  type: StandInUser["type"] = "User",
): StandInUser {
  const found = findUser(state, login);
  if (found) return found;
  const user: StandInUser = { login, id: nextId(state), type };
  state.users.push(user);
  return user;
}
