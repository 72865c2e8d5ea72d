import { runGit } from "./run-git.js";

/** The commit a branch points at in a bare repository, or null when there is no such branch. */
export async function resolveBranch(gitDir: string, branch: string): Promise<string | null> {
  try {
    const out = await runGit(gitDir, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`]);
    return out.trim() || null;
  } catch {
    return null;
  }
}
