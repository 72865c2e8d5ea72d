import type { StandInIssue, StandInPull, StandInRepo, StandInState } from "./stand-in-state.js";

/** Issue and pull request numbers share one sequence per repository, so at most one matches. */
export function findIssueOrPull(
  state: StandInState,
  repo: StandInRepo,
  number: number,
): StandInIssue | StandInPull | undefined {
  const same = (x: StandInIssue | StandInPull) =>
    x.owner === repo.owner && x.repo === repo.name && x.number === number;
  return state.issues.find(same) ?? state.pulls.find(same);
}
