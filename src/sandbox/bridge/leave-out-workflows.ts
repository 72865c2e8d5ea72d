/**
 * Keeps changes to `.github/workflows/` off the pushed branch unless the repository's config allows
 * them (`allow_workflow_changes`). A workflow runs with the repository's secrets on the next push, so
 * an agent that edits one is asking for more trust than a code change; GitHub also refuses a push that
 * touches workflows from an App without the `workflows` permission, which would lose the whole run's
 * work. The changes stay in the sandbox directory and are reported; the rest of the work is pushed.
 */
import { git } from "./git.js";

export const WORKFLOWS_DIR = ".github/workflows";

/** The `:(exclude)` pathspec that keeps `git add` away from workflow files. */
export const EXCLUDE_WORKFLOWS = `:(exclude)${WORKFLOWS_DIR}`;

/**
 * Rewrites this run's commits (those after `startSha`) so that none of them changes a workflow file:
 * when any did, they become one commit with the same tree except `.github/workflows/`, which is as at
 * `startSha` (with `message`). Returns the workflow paths left out, committed or not, sorted.
 */
export async function leaveOutWorkflows(
  repoDir: string,
  startSha: string,
  message: string,
): Promise<string[]> {
  const inRepo = { cwd: repoDir };
  const lines = (text: string) => text.split("\n").filter((l) => l !== "");
  const committed = lines(await git(["diff", "--name-only", startSha, "HEAD", "--", WORKFLOWS_DIR], inRepo));
  if (committed.length > 0) {
    await git(["reset", "--quiet", "--soft", startSha], inRepo);
    // The index becomes the agent's tree with the workflow directory as it was at the start.
    await git(["reset", "--quiet", startSha, "--", WORKFLOWS_DIR], inRepo);
    const staged = await git(["diff", "--cached", "--name-only"], inRepo);
    if (staged !== "") {
      await git(["commit", "--quiet", "--no-verify", "--cleanup=whitespace", "-m", message], inRepo);
    }
  }
  // What the agent left uncommitted there (git add never took it, see EXCLUDE_WORKFLOWS): changed
  // tracked files, and new ones.
  const uncommitted = [
    ...lines(await git(["diff", "--name-only", "HEAD", "--", WORKFLOWS_DIR], inRepo)),
    ...lines(await git(["ls-files", "--others", "--exclude-standard", "--", WORKFLOWS_DIR], inRepo)),
  ];
  return [...new Set([...committed, ...uncommitted])].sort();
}
