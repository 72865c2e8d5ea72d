/**
 * The end of every run: seal the checkout, commit what the agent left (with the requester as
 * co-author), leave out workflow changes unless allowed, and push the session branch, or a fallback
 * branch of the session's own when the push is refused. Used by a run (run-bridge.ts) and by a
 * bridge restarted to save a run whose first bridge died (recover-run.ts).
 */
import { lstat, rm } from "node:fs/promises";
import { join } from "node:path";
import type { EventInput, SandboxSpec } from "../../core/wire.js";
import type { AgentResult } from "../agents/agent.js";
import { commitLeftovers, commitMessage } from "./commit-leftovers.js";
import { fetchGitToken } from "./fetch-git-token.js";
import { git } from "./git.js";
import { leaveOutWorkflows } from "./leave-out-workflows.js";
import type { Checkout } from "./prepare-checkout.js";
import { pushBranch } from "./push-branch.js";
import { sealCheckout } from "./seal-checkout.js";
import type { SetupChange } from "./setup-changes.js";

export type CommitAndPushInput = {
  spec: SandboxSpec;
  /** The sandbox's directory (the push's scratch repository goes there). */
  workDir: string;
  checkout: Checkout;
  /** The checkout's .git/config as the clone wrote it (snapshotGitConfig), restored before git runs. */
  gitConfig: Buffer | null;
  agentResult: AgentResult | null;
  /** Why the run ended early, if it did: said in the commit body. */
  endReason: string | null;
  /** Tracked files the setup commands changed: kept out of the commit where the agent left them so. */
  setupChanges?: readonly SetupChange[];
  /** The control plane cannot be reached: commit, but keep the commit in the sandbox directory. */
  controlUnreachable: boolean;
  emit: (e: EventInput) => void;
};

export type CommitAndPushResult = { pushed: boolean; ok: boolean; error?: string };

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export async function commitAndPush(input: CommitAndPushInput): Promise<CommitAndPushResult> {
  // Stops the early token ask's retries when the run ends without using it (the commit failed).
  const early = new AbortController();
  try {
    return await commitThenPush(input, early.signal);
  } finally {
    early.abort();
  }
}

async function commitThenPush(
  input: CommitAndPushInput,
  earlySignal: AbortSignal,
): Promise<CommitAndPushResult> {
  const { spec, checkout, gitConfig, agentResult, emit } = input;
  const { branch } = checkout;
  let earlyToken: Promise<string> | null = null;
  let commit: Awaited<ReturnType<typeof commitLeftovers>>;
  try {
    // The agent could write .git: its config, attributes, alternates and links go back to what the
    // clone made before the bridge's own git (outside the sandbox) touches it.
    if (!gitConfig) throw new Error("the checkout's git config was never read");
    await sealCheckout(checkout.repoDir, gitConfig, checkout.objectDirs ?? []);
    // A git killed mid-write (the agent's, in a killed agent or a killed first bridge) leaves its
    // lock files, and every later add would fail. Nothing can hold them now: the agent's namespace
    // is empty by the time it is reported ended (run-agent-cli.ts), a dead bridge's with it.
    await removeStaleGitLocks(checkout.repoDir, branch);
    // With changes or commits in the checkout, the push's token is asked for while the commit is made,
    // not after it: the control plane's round trip (and GitHub's behind it) leaves the end of the run.
    // With none, no token is asked for. (Changes the commit then leaves out, to workflow files or
    // by setup commands alone, cost one unused token.)
    if (!input.controlUnreachable && (await hasWork(checkout))) {
      earlyToken = tokenFor(spec, earlySignal);
      earlyToken.catch(() => {});
    }
    const body = commitBody(spec, agentResult, input.endReason);
    const withWorkflows = spec.allowWorkflowChanges === true;
    commit = await commitLeftovers(spec, checkout.repoDir, checkout.baseSha, body, {
      withWorkflows,
      ...(input.setupChanges ? { setupChanges: input.setupChanges } : {}),
    });
    if (commit.setupLeftOut)
      emit({
        type: "files_left_out",
        data: {
          paths: commit.setupLeftOut,
          reason: "changed by the setup commands, not by the agent",
          kind: "setup",
        },
      });
    if (!withWorkflows) {
      const leftOut = await leaveOutWorkflows(checkout.repoDir, checkout.headSha, commitMessage(spec, body));
      if (leftOut.length > 0) {
        emit({
          type: "files_left_out",
          data: {
            paths: leftOut,
            reason: "changes to workflow files are pushed only when `allow_workflow_changes: true` is set",
          },
        });
        const inRepo = { cwd: checkout.repoDir };
        commit = {
          committed: commit.committed,
          headSha: await git(["rev-parse", "HEAD"], inRepo),
          commitsAhead: Number(await git(["rev-list", "--count", `${checkout.baseSha}..HEAD`], inRepo)),
        };
      }
    }
  } catch (err) {
    const error = `Could not commit the agent's changes: ${message(err)}`;
    emit({ type: "push_error", data: { branch, error } });
    return { pushed: false, ok: false, error };
  }
  const nothingNew = commit.commitsAhead === 0 || commit.headSha === checkout.remoteBranchSha;
  if (nothingNew) {
    emit({
      type: "push_complete",
      data: { branch, sha: commit.headSha, commitsAhead: commit.commitsAhead, pushed: false },
    });
    return { pushed: false, ok: true };
  }
  if (input.controlUnreachable) {
    // The commit stays in the sandbox directory, which the host keeps.
    return { pushed: false, ok: false, error: "Not pushed: the control plane is unreachable" };
  }
  emit({ type: "sandbox_status", data: { status: "pushing" } });
  try {
    await pushTo(spec, input.workDir, checkout, commit.headSha, branch, checkout.remoteBranchSha, earlyToken);
  } catch (err) {
    const error = `Push failed: ${message(err)}`;
    emit({ type: "push_error", data: { branch, error } });
    // Someone else's branch refused the push (protected, or moved since the request): the work goes
    // to a branch of the session's own, so it is not lost with the sandbox.
    const fallback = spec.repo.fallbackBranch;
    if (
      fallback &&
      fallback !== branch &&
      // A new branch: it must not exist yet.
      (await pushTo(spec, input.workDir, checkout, commit.headSha, fallback, null).then(
        () => true,
        () => false,
      ))
    ) {
      emit({
        type: "push_complete",
        data: { branch: fallback, sha: commit.headSha, commitsAhead: commit.commitsAhead, pushed: true },
      });
      return { pushed: true, ok: false, error };
    }
    return { pushed: false, ok: false, error };
  }
  emit({
    type: "push_complete",
    data: { branch, sha: commit.headSha, commitsAhead: commit.commitsAhead, pushed: true },
  });
  return { pushed: true, ok: true };
}

/** Changes the agent left in the checkout, or commits it made: something the run will likely push. */
async function hasWork(checkout: Checkout): Promise<boolean> {
  const inRepo = { cwd: checkout.repoDir };
  const [status, head] = await Promise.all([
    // Untracked directories as one line each: whether there is anything, not what.
    git(["status", "--porcelain", "--untracked-files=normal"], inRepo),
    git(["rev-parse", "HEAD"], inRepo),
  ]);
  return status !== "" || head !== checkout.headSha;
}

/** A git token from the control plane, for one push. */
async function tokenFor(spec: SandboxSpec, signal?: AbortSignal): Promise<string> {
  const { token } = await fetchGitToken({
    controlUrl: spec.controlUrl,
    sessionId: spec.sessionId,
    sandboxToken: spec.token,
    ...(signal ? { signal } : {}),
  });
  return token;
}

/**
 * Pushes `headSha` to `branch`, leased to `expectedRemoteSha`, with the token asked for early (its
 * failure is the push's: fetchGitToken already asked again for as long as asking could help), or
 * one asked for now.
 */
async function pushTo(
  spec: SandboxSpec,
  workDir: string,
  checkout: Checkout,
  headSha: string,
  branch: string,
  expectedRemoteSha: string | null,
  earlyToken: Promise<string> | null = null,
): Promise<void> {
  const token = await (earlyToken ?? tokenFor(spec));
  await pushBranch({
    repoDir: checkout.repoDir,
    scratchDir: workDir,
    cloneUrl: spec.repo.cloneUrl,
    branch,
    headSha,
    expectedRemoteSha,
    token,
  });
}

/** The short body of the bridge's own commit: the agent's summary, or why the run ended early. */
function commitBody(spec: SandboxSpec, result: AgentResult | null, endReason: string | null): string {
  const lines: string[] = [];
  const summary = result?.summary?.trim();
  if (summary) lines.push(clip(summary, 2_000));
  else lines.push(`Changes the agent left uncommitted at the end of run ${spec.run}.`);
  const problem = endReason ?? (result && !result.success ? (result.error ?? "the agent failed") : null);
  if (problem) lines.push(`The run did not finish: ${clip(problem, 500)}`);
  return lines.join("\n\n");
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Lock files a killed git leaves: the index's, HEAD's and the session branch's (regular files only). */
async function removeStaleGitLocks(repoDir: string, branch: string): Promise<void> {
  const gitDir = join(repoDir, ".git");
  for (const lock of ["index.lock", "HEAD.lock", join("refs", "heads", `${branch}.lock`)]) {
    const path = join(gitDir, lock);
    const info = await lstat(path).catch(() => null);
    if (info?.isFile()) await rm(path, { force: true });
  }
}
