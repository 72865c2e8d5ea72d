/**
 * What a run does other than its request asked or implied, one short sentence each: a branch of its
 * own instead of a pull request's head it must not push to, and a `--base` or `--draft` flag that
 * cannot apply (the branch exists already; no pull request will be opened). Pure: startRun puts them
 * in the run's log and answers them in the thread, so nothing is ignored without a word.
 */
import type { StartSessionRequest } from "../../src/core/start-session-request.js";
import type { OffLimits, SessionBranch } from "./session-branch.js";
import type { SessionRecord } from "./session-record.js";

export function runNotes(
  req: StartSessionRequest,
  where: SessionBranch,
  /** The earlier run whose branch this one goes on working on; null on a branch new to the session. */
  kept: Pick<SessionRecord, "branch" | "baseBranch" | "pr"> | null,
  offLimits: OffLimits | null,
): string[] {
  const notes: string[] = [];
  if (offLimits && req.pull && where.branch !== req.pull.headRef)
    notes.push(
      `This pull request ${offLimits.why}, so I do not push to \`${req.pull.headRef}\`: I work on \`${where.branch}\` and open a pull request from it into \`${where.baseBranch}\`.`,
    );
  const flagged = req.flagged ?? [];
  const base = req.options.base;
  if (flagged.includes("base") && base !== undefined && base !== where.baseBranch) {
    const why = kept
      ? `this session's branch \`${kept.branch}\` already exists, based on \`${kept.baseBranch}\``
      : `a pull request's work is based on \`${where.baseBranch}\``;
    notes.push(`\`--base ${base}\` was not applied: ${why}.`);
  }
  if (flagged.includes("draft") && req.options.draft === true) {
    const why = kept?.pr
      ? `this session already has pull request #${kept.pr.number}`
      : where.originIsPullRequest
        ? "I push to this pull request's branch and open no pull request"
        : null;
    if (why) notes.push(`\`--draft\` was not applied: ${why}.`);
  }
  return notes;
}
