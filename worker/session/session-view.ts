import { DEFAULT_MAX_COST_USD, DEFAULT_MAX_TURNS } from "../../src/core/count-turns.js";
import type { SessionView } from "../../src/core/session-view.js";
import type { SessionDeps } from "./session-deps.js";
import type { SessionRecord } from "./session-record.js";
import type { StoredRequest } from "./store.js";
import { transcriptUrl } from "./transcript-url.js";

/** The renderers' view of a stored session. */
export function toSessionView(
  r: SessionRecord,
  transcriptUrl: string,
  queue: SessionView["queue"] = [],
): SessionView {
  return {
    id: r.sessionId,
    repo: { owner: r.request.repo.owner, name: r.request.repo.name },
    issueNumber: r.request.issue.number,
    issueTitle: r.request.issue.title,
    isPullRequest: r.request.issue.isPullRequest,
    requester: r.request.requester.login,
    task: r.request.task,
    status: r.status,
    run: r.run,
    createdAt: r.createdAt,
    runStartedAt: r.runStartedAt,
    finishedAt: r.finishedAt,
    branch: r.branch,
    baseBranch: r.baseBranch,
    branchUrl: r.branchUrl,
    pr: r.pr,
    transcriptUrl,
    summary: r.summary,
    error: r.error,
    queue,
    stoppedBy: r.stoppedBy,
    queueCleared: r.queueCleared,
    agent: r.request.options.agent ?? "claude-code",
    budget: {
      maxTurns: r.request.options.maxTurns ?? DEFAULT_MAX_TURNS,
      maxCostUsd: r.request.options.maxCostUsd ?? DEFAULT_MAX_COST_USD,
    },
    model: r.request.options.model ?? null,
  };
}

/** Requests waiting for the current run (the store's queued ones), as the renderers show them. */
export function queueOf(requests: readonly StoredRequest[]): SessionView["queue"] {
  return requests.map((r) => ({ author: r.request.requester.login, text: r.request.task }));
}

/** The stored session as renderers and subscribers see it now: its row, capability link and queue. */
export async function currentView(d: SessionDeps): Promise<SessionView | null> {
  const s = d.store.getSession();
  if (!s) return null;
  return toSessionView(s, await transcriptUrl(d, s.publicUrl), queueOf(d.store.queuedRequests()));
}
