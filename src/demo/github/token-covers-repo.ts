import type { StandInRepo, StandInToken } from "./stand-in-state.js";

/** A token covers its installation's repositories, or the subset it was asked for. */
export function tokenCoversRepo(token: StandInToken, repo: StandInRepo): boolean {
  if (repo.installationId !== token.installationId) return false;
  return token.repositorySelection === "all" || token.repositoryIds.includes(repo.id);
}
