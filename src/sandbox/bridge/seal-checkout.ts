/**
 * Puts the checkout's git internals back before the bridge runs git in it after the agent. The bridge
 * runs outside the sandbox, with the host's reach, in a `.git` the agent could write: a config key
 * (`filter.*.clean`, `gpg.program`, `core.sshCommand`), an attributes file, a symlinked object store
 * or ref (borrowing another repository's mirror), `commondir` or `http-alternates` would turn the
 * bridge's own `git add`, `commit` or push into the agent's tool. So the config the clone wrote is
 * written back byte for byte, `.git/info/attributes` goes, the alternates are exactly the clone's,
 * and a `.git` holding any symlink or redirection file is refused outright (nothing committed or
 * pushed, and the run says why). Writes never follow a symlink.
 */
import { constants } from "node:fs";
import { lstat, open, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";

/** Files git reads that would send it elsewhere for objects or config. */
const REDIRECTS = ["commondir", "objects/info/http-alternates", "config.worktree", "gitdir"];

/** The bytes of `.git/config` as the clone left them, read before setup or agent run. */
export function snapshotGitConfig(repoDir: string): Promise<Buffer> {
  return readFile(join(repoDir, ".git", "config"));
}

/** Writes `data` to `path` as a new file (after removing what is there), never through a symlink. */
export async function writeFresh(path: string, data: string | Buffer): Promise<void> {
  await rm(path, { force: true });
  const file = await open(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    await file.writeFile(data);
  } finally {
    await file.close();
  }
}

/** Appends to `path` (creating it), refusing a symlink at `path` or a non-directory parent. */
export async function appendNoFollow(path: string, data: string): Promise<void> {
  const file = await open(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    await file.appendFile(data);
  } finally {
    await file.close();
  }
}

/** Every symlink under `dir` (relative paths), depth-first; bounded by the tree itself. */
async function symlinksUnder(dir: string, rel = ""): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isSymbolicLink()) found.push(path);
    else if (entry.isDirectory()) found.push(...(await symlinksUnder(dir, path)));
  }
  return found;
}

export async function sealCheckout(
  repoDir: string,
  config: Buffer,
  objectDirs: readonly string[],
): Promise<void> {
  const gitDir = join(repoDir, ".git");
  const stat = await lstat(gitDir);
  if (!stat.isDirectory()) throw new Error("the checkout's .git is no longer a directory");
  const links = await symlinksUnder(gitDir);
  if (links.length > 0)
    throw new Error(
      `the checkout's .git holds symbolic links (${links.slice(0, 3).join(", ")}): refusing to use it`,
    );
  for (const name of REDIRECTS) {
    if (
      await lstat(join(gitDir, name)).then(
        () => true,
        () => false,
      )
    )
      throw new Error(`the checkout's .git has a ${name} file: refusing to use it`);
  }
  await writeFresh(join(gitDir, "config"), config);
  await rm(join(gitDir, "info", "attributes"), { force: true });
  const alternates = join(gitDir, "objects", "info", "alternates");
  if (objectDirs.length > 0) await writeFresh(alternates, `${objectDirs.join("\n")}\n`);
  else await rm(alternates, { force: true });
}
