/**
 * Commits whatever the agent left uncommitted, so no run ends with work that exists only on disk.
 */
import { redact } from "../../core/redact.js";
import type { SandboxSpec } from "../../core/wire.js";
import { git, gitMaybe } from "./git.js";
import { EXCLUDE_WORKFLOWS } from "./leave-out-workflows.js";
import { type SetupChange, unstageSetupChanges } from "./setup-changes.js";

export type CommitResult = {
  committed: boolean;
  headSha: string;
  commitsAhead: number;
  /** Files left as setup changed them, kept out of the commit (see setup-changes.ts). */
  setupLeftOut?: string[];
};

/**
 * Builds `title`, a short body and the Co-authored-by trailer (GitHub's documented trailer format).
 * Redacted: the body quotes the agent's summary, which may repeat a credential it saw.
 */
export function commitMessage(spec: SandboxSpec, body: string): string {
  return redact(
    `${spec.commitTitle}\n\n${body.trim()}\n\nCo-authored-by: ${spec.coAuthor.name} <${spec.coAuthor.email}>`,
  );
}

export async function commitLeftovers(
  spec: SandboxSpec,
  repoDir: string,
  baseSha: string,
  body: string,
  opts: { withWorkflows?: boolean; setupChanges?: readonly SetupChange[] } = {},
): Promise<CommitResult> {
  const inRepo = { cwd: repoDir };
  // Workflow files stay out unless allowed (leave-out-workflows.ts reports them).
  const paths = opts.withWorkflows ? ["."] : [".", EXCLUDE_WORKFLOWS];
  const status = await git(["status", "--porcelain", "--untracked-files=all", "--", ...paths], inRepo);
  let committed = false;
  let setupLeftOut: string[] = [];
  if (status !== "") {
    await git(["add", "--all", "--", ...paths], inRepo);
    setupLeftOut = await unstageSetupChanges(repoDir, opts.setupChanges ?? []);
  }
  // Only setup's changes were there: nothing of the agent's to commit.
  const staged = status !== "" && (await gitMaybe(["diff", "--cached", "--quiet"], inRepo)) === null;
  if (staged) {
    const identity = {
      GIT_AUTHOR_NAME: spec.author.name,
      GIT_AUTHOR_EMAIL: spec.author.email,
      GIT_COMMITTER_NAME: spec.author.name,
      GIT_COMMITTER_EMAIL: spec.author.email,
    };
    // --cleanup=whitespace keeps lines starting with "#" (markdown headings in the agent's summary),
    // which the default cleanup would strip as comments.
    await git(["commit", "--quiet", "--no-verify", "--cleanup=whitespace", "-m", commitMessage(spec, body)], {
      ...inRepo,
      env: identity,
    });
    committed = true;
  }
  const headSha = await git(["rev-parse", "HEAD"], inRepo);
  const commitsAhead = Number(await git(["rev-list", "--count", `${baseSha}..HEAD`], inRepo));
  return { committed, headSha, commitsAhead, ...(setupLeftOut.length > 0 ? { setupLeftOut } : {}) };
}
