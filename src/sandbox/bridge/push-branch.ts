/**
 * Pushes the session branch with a fresh token, from a scratch repository the agent never touched.
 *
 * The checkout's .git is the agent's to change: it could add a pre-push hook, a `url.*.insteadOf`
 * that reroutes the remote, a credential helper or a proxy, any of which would see the token. So the
 * push runs from a new bare repository that borrows the checkout's objects through
 * `objects/info/alternates` (no copy) and has no config, hooks or remotes of its own.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { git } from "./git.js";

export type PushOptions = {
  repoDir: string;
  /** Where the scratch repository is created; removed again afterwards. */
  scratchDir: string;
  cloneUrl: string;
  branch: string;
  headSha: string;
  /** The branch's remote commit when the run started, null if the branch did not exist. */
  expectedRemoteSha: string | null;
  token: string;
};

const PUSH_TIMEOUT_MS = 5 * 60_000;

export async function pushBranch(opts: PushOptions): Promise<void> {
  const commonDir = await git(["rev-parse", "--git-common-dir"], { cwd: opts.repoDir });
  const objects = join(isAbsolute(commonDir) ? commonDir : resolve(opts.repoDir, commonDir), "objects");
  const scratch = await mkdtemp(join(opts.scratchDir, ".push-"));
  try {
    await git(["init", "--quiet", "--bare", scratch]);
    await writeFile(join(scratch, "objects", "info", "alternates"), `${objects}\n`);
    const ref = `refs/heads/${opts.branch}`;
    await git(["--git-dir", scratch, "update-ref", ref, opts.headSha]);
    // The lease lets the agent rewrite its own branch (rebase, amend) but refuses to overwrite
    // commits someone else pushed to the branch while the run was going; "" means "must not exist".
    const lease = `--force-with-lease=${ref}:${opts.expectedRemoteSha ?? ""}`;
    await git(
      ["--git-dir", scratch, "push", "--quiet", "--no-verify", lease, "--", opts.cloneUrl, `${ref}:${ref}`],
      {
        token: opts.token,
        timeoutMs: PUSH_TIMEOUT_MS,
      },
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
