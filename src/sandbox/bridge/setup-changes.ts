/**
 * What the setup commands changed in tracked files (an `npm install` that rewrites the lockfile),
 * so the commit of the agent's work does not carry it: recorded once setup has finished, and at
 * commit time unstaged again where the agent left the file exactly as setup did. A file the agent
 * changed further is its work and is committed whole.
 *
 * Setup runs inside the sandbox and could have written .git, so the checkout is sealed (its config
 * put back, seal-checkout.ts) before any git here reads the working tree, and blobs are hashed
 * without filters.
 */
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { git } from "./git.js";

/** A tracked file setup changed: its content's blob id then, or null when setup deleted it. */
export type SetupChange = { path: string; blob: string | null };

/** Tracked files that differ from HEAD after setup, with what setup left in each. */
export async function recordSetupChanges(repoDir: string): Promise<SetupChange[]> {
  const inRepo = { cwd: repoDir };
  // Modified and deleted tracked files (a deleted one is listed under both): names as they are (-z).
  const listed = await git(["ls-files", "-z", "--modified", "--deleted"], inRepo);
  const changes: SetupChange[] = [];
  for (const path of new Set(listed.split("\0").filter((p) => p !== ""))) {
    const info = await lstat(join(repoDir, path)).catch(() => null);
    if (!info) changes.push({ path, blob: null });
    // A symlink or directory in place of a file is left to the commit: nothing to compare simply.
    else if (info.isFile())
      changes.push({ path, blob: await git(["hash-object", "--no-filters", "--", path], inRepo) });
  }
  return changes;
}

/**
 * After `git add --all`: puts the index entry of every file still as setup left it back to HEAD's,
 * and returns those paths.
 */
export async function unstageSetupChanges(
  repoDir: string,
  changes: readonly SetupChange[],
): Promise<string[]> {
  if (changes.length === 0) return [];
  const inRepo = { cwd: repoDir };
  const staged = new Map<string, string>();
  const listed = await git(
    ["ls-files", "--stage", "-z", "--", ...changes.map((c) => `:(literal)${c.path}`)],
    inRepo,
  );
  for (const line of listed.split("\0")) {
    // <mode> SP <sha> SP <stage> TAB <path>
    const m = /^\d+ ([0-9a-f]+) \d\t(.*)$/s.exec(line);
    if (m) staged.set(m[2]!, m[1]!);
  }
  const unchanged = changes
    .filter((c) => (c.blob === null ? !staged.has(c.path) : staged.get(c.path) === c.blob))
    .map((c) => c.path);
  if (unchanged.length > 0)
    await git(["reset", "--quiet", "--", ...unchanged.map((p) => `:(literal)${p}`)], inRepo);
  return unchanged;
}
