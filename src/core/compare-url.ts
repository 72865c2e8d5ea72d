/**
 * The compare view of the session's branch against its base: every change the session made, across
 * all its runs, as one diff. Null until something was pushed (GitHub has no branch to compare yet).
 */
import { githubOrigin } from "./github-origin.js";
import type { SessionView } from "./session-view.js";

export function compareUrl(
  view: Pick<SessionView, "pr" | "branchUrl" | "repo" | "baseBranch" | "branch">,
): string | null {
  if (!view.branchUrl) return null;
  const repo = `${encodeURIComponent(view.repo.owner)}/${encodeURIComponent(view.repo.name)}`;
  return `${githubOrigin(view)}/${repo}/compare/${refPath(view.baseBranch)}...${refPath(view.branch)}`;
}

/** A ref's segments encoded one by one: `understudy/12-x` keeps its `/`, as GitHub's own links do. */
function refPath(ref: string): string {
  return ref.split("/").map(encodeURIComponent).join("/");
}
