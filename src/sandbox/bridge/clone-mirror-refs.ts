import { git } from "./git.js";

/**
 * Clones a mirror's refs into `dir` with `--shared --no-checkout`: objects borrowed through
 * objects/info/alternates, no copy, no file written yet. Run under the mirror's lock, since a
 * rebuild swaps the mirror's directory and moves its HEAD (which this sets).
 */
export async function cloneMirrorRefs(
  mirror: string,
  branch: string,
  dir: string,
  signal?: AbortSignal,
): Promise<void> {
  // The clone's origin/HEAD follows the mirror's HEAD, which a fetch does not set.
  await git(["--git-dir", mirror, "symbolic-ref", "HEAD", `refs/heads/${branch}`]);
  await git(
    ["clone", "--quiet", "--shared", "--no-checkout", "--no-tags", "--branch", branch, "--", mirror, dir],
    { signal },
  );
}
