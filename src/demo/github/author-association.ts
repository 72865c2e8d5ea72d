import type { StandInRepo } from "./stand-in-state.js";

/** The subset of GitHub's author_association values that the stand-in can tell apart. */
export function authorAssociation(repo: StandInRepo, login: string): "OWNER" | "COLLABORATOR" | "NONE" {
  if (login.toLowerCase() === repo.owner.toLowerCase()) return "OWNER";
  const explicit = repo.permissions.get(login.toLowerCase());
  return explicit && explicit !== "none" ? "COLLABORATOR" : "NONE";
}
