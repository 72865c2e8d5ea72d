import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { runGit } from "./run-git.js";

/**
 * A bare repository at `gitDir` with one commit holding `files` on `defaultBranch`, configured to
 * accept pushes over smart HTTP the way a GitHub remote does.
 */
export async function createBareRepo(
  gitDir: string,
  opts: { defaultBranch: string; files: Record<string, string> },
): Promise<void> {
  await mkdir(gitDir, { recursive: true });
  await runGit(gitDir, ["init", "--quiet", "--bare", `--initial-branch=${opts.defaultBranch}`]);
  await runGit(gitDir, ["config", "http.receivepack", "true"]);
  // GitHub serves partial clones; sandboxes may clone with --filter=blob:none.
  await runGit(gitDir, ["config", "uploadpack.allowFilter", "true"]);

  const work = await mkdtemp(join(tmpdir(), "stand-in-seed-"));
  try {
    await runGit(work, ["init", "--quiet", `--initial-branch=${opts.defaultBranch}`]);
    for (const [path, content] of Object.entries(opts.files)) {
      const target = resolve(work, path);
      if (!target.startsWith(work + sep)) throw new Error(`seed file path escapes the repository: ${path}`);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    await runGit(work, ["add", "--all"]);
    await runGit(work, ["commit", "--quiet", "--allow-empty", "-m", "Initial commit"]);
    await runGit(work, ["push", "--quiet", gitDir, `HEAD:refs/heads/${opts.defaultBranch}`]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
