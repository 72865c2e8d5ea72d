import type { SessionView } from "../../src/core/session-view.js";
import type { SessionRecord } from "./session-record.js";

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
  };
}
