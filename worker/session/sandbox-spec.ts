/**
 * What the sandbox provider is asked to run for the current run: the repository and branch, the
 * prompt, identities and limits, and a fresh capability token (the control plane keeps its hash).
 * No GitHub credential is in it: the bridge asks for a short-lived git token with `token`.
 */
import { commitTitle } from "../../src/core/commit-title.js";
import type { SandboxSpec } from "../../src/core/wire.js";
import { gitIdentities } from "./git-identities.js";
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
    },
    prompt: req.prompt,
    agent: "claude-code",
    startSeq: d.store.maxSeq(),
    ...gitIdentities(d.config, req.requester),
    commitTitle: commitTitle(req.task, req.issue.number),
    timeLimitMs: d.config.TIME_LIMIT_MS,
    heartbeatMs: d.config.SANDBOX_HEARTBEAT_MS,
  };
}
