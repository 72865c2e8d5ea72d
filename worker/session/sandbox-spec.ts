/**
 * What the sandbox provider is asked to run for the current run: the repository and branch, the
 * prompt, identities and limits, and a fresh capability token (the control plane keeps its hash).
 * No GitHub credential is in it: the bridge asks for a short-lived git token with `token`.
 */
import { branchName } from "../../src/core/branch-name.js";
import { commitTitle } from "../../src/core/commit-title.js";
import { DEFAULT_MAX_COST_USD, DEFAULT_MAX_TURNS } from "../../src/core/count-turns.js";
import { EARLIER_RUN_TYPES, earlierRunsPrompt } from "../../src/core/earlier-runs-prompt.js";
import type { SandboxSpec } from "../../src/core/wire.js";
import { gitIdentities } from "./git-identities.js";
import { headOffLimits, runTimeLimitMs } from "./session-branch.js";
import type { SessionDeps } from "./session-deps.js";
import type { SessionRecord } from "./session-record.js";

export function sandboxSpec(d: SessionDeps, s: SessionRecord, token: string): SandboxSpec {
  const req = s.request;
  return {
    sessionId: d.id,
    run: s.run,
    controlUrl: s.publicUrl,
    token,
    repo: {
      cloneUrl: req.repo.cloneUrl,
      owner: req.repo.owner,
      name: req.repo.name,
      baseBranch: s.baseBranch,
      branch: s.branch,
      ...startPoint(s),
      ...fallback(d, s),
      ...(s.lastPushedSha && /^[0-9a-f]{40}$/.test(s.lastPushedSha) ? { ownSha: s.lastPushedSha } : {}),
    },
    // A new conversation hears what the earlier runs did; an agent that continues its own (its
    // sandbox host kept the session's HOME) remembers it, and gets `request` alone.
    prompt: `${req.prompt}${s.run > 1 ? earlierRunsPrompt(d.store.eventsOfTypes(EARLIER_RUN_TYPES), s.run) : ""}`,
    ...(s.run > 1 ? { request: req.prompt } : {}),
    agent: req.options.agent ?? "claude-code",
    ...(req.options.model ? { model: req.options.model } : {}),
    ...(req.options.setup?.length ? { setup: req.options.setup } : {}),
    ...(req.options.networkAllow?.length ? { networkAllow: req.options.networkAllow } : {}),
    ...(req.options.allowWorkflowChanges ? { allowWorkflowChanges: true } : {}),
    budget: {
      maxTurns: req.options.maxTurns ?? DEFAULT_MAX_TURNS,
      maxCostUsd: req.options.maxCostUsd ?? DEFAULT_MAX_COST_USD,
    },
    startSeq: d.store.maxSeq(),
    ...gitIdentities(d.config, req.requester),
    commitTitle: commitTitle(req.task, req.issue.number),
    timeLimitMs: runTimeLimitMs(d.config, req),
    heartbeatMs: d.config.SANDBOX_HEARTBEAT_MS,
  };
}

/**
 * Where the run starts when a pull request asked: the head commit pinned when the trigger was
 * accepted, so a push to the PR after the request changes nothing the agent works on (and the push
 * back is refused rather than overwrite it). A fork's head is fetched from the base repository's
 * `refs/pull/<n>/head`, since the session never pushes to the fork and works on a branch of its own;
 * so is the head of a pull request the session must not push to (a closed PR's branch may be gone).
 */
function startPoint(s: SessionRecord): Pick<SandboxSpec["repo"], "startSha" | "startRef"> {
  const pull = s.request.pull;
  if (!pull) return {};
  const fromPullRef = { startSha: pull.headSha, startRef: `refs/pull/${s.request.issue.number}/head` };
  if (pull.isFork) return fromPullRef;
  if (pull.headRef === s.branch) return { startSha: pull.headSha };
  return headOffLimits(s.request)?.fromHead ? fromPullRef : {};
}

/**
 * Where a refused push goes (a protected PR branch, or one someone else pushed to since the request):
 * a new branch per run, named after the session's own branch, so no run's work is lost to it.
 */
function fallback(d: SessionDeps, s: SessionRecord): Pick<SandboxSpec["repo"], "fallbackBranch"> {
  const req = s.request;
  const own = s.originIsPullRequest
    ? branchName(req.options.branchPrefix ?? d.config.BRANCH_PREFIX, req.issue.number, req.issue.title)
    : s.branch;
  return { fallbackBranch: `${own}-run${s.run}` };
}
