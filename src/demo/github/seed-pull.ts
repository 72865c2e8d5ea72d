import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { ensureUser } from "./ensure-user.js";
import { findRepo } from "./find-repo.js";
import type { GitHubStandIn } from "./github-stand-in.js";
import { nextId } from "./next-id.js";
import { now } from "./now.js";
import { runGit } from "./run-git.js";
import type { StandInPull } from "./stand-in-state.js";

/**
 * A pull request opened by a person, as if they had pushed `head` with `files` changed on top of
 * `base` and opened it on GitHub (the stand-in's POST /pulls opens them as the App).
 */
export async function seedPull(
  gh: GitHubStandIn,
  opts: {
    owner: string;
    repo: string;
    head: string;
    base?: string;
    title: string;
    body?: string | null;
    user: string;
    files: Record<string, string>;
  },
): Promise<StandInPull> {
  const repo = findRepo(gh.state, opts.owner, opts.repo);
  if (!repo) throw new Error(`no repository ${opts.owner}/${opts.repo}`);
  const base = opts.base ?? repo.defaultBranch;
  const work = await mkdtemp(join(tmpdir(), "stand-in-pull-"));
  try {
    // A commit made in the bare repository through a scratch index: no clone, no push.
    const env = { GIT_INDEX_FILE: join(work, "index") };
    await runGit(repo.gitDir, ["read-tree", base], env);
    for (const [path, content] of Object.entries(opts.files)) {
      const target = resolve(work, "tree", path);
      if (!target.startsWith(join(work, "tree") + sep))
        throw new Error(`file path escapes the repository: ${path}`);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
      const blob = (await runGit(repo.gitDir, ["hash-object", "-w", target])).trim();
      await runGit(repo.gitDir, ["update-index", "--add", "--cacheinfo", `100644,${blob},${path}`], env);
    }
    const tree = (await runGit(repo.gitDir, ["write-tree"], env)).trim();
    const commit = (
      await runGit(repo.gitDir, ["commit-tree", tree, "-p", base, "-m", opts.title], env)
    ).trim();
    await runGit(repo.gitDir, ["update-ref", `refs/heads/${opts.head}`, commit]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  ensureUser(gh.state, opts.user);
  const at = now();
  const pull: StandInPull = {
    id: nextId(gh.state),
    owner: repo.owner,
    repo: repo.name,
    number: repo.nextNumber++,
    title: opts.title,
    body: opts.body ?? null,
    user: opts.user,
    head: opts.head,
    base,
    draft: false,
    state: "open",
    createdAt: at,
    updatedAt: at,
    history: [],
  };
  gh.state.pulls.push(pull);
  return pull;
}
