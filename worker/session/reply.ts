/**
 * A short answer in the thread where someone asked (the conversation, or the review thread) (a full queue, nothing to stop, a status). Never
 * rejects: an answer GitHub refuses is logged, and the operation it answers has already happened.
 */
import type { StartSessionRequest } from "../../src/core/start-session-request.js";
import type { SessionDeps } from "./session-deps.js";

/** Where an answer goes: a request, or a trigger that never became one (worker/session/inbox.ts). */
export type ReplyTarget = Pick<StartSessionRequest, "installationId" | "replyTo"> & {
  repo: Pick<StartSessionRequest["repo"], "owner" | "name">;
  issue: Pick<StartSessionRequest["issue"], "number">;
};

export async function reply(d: SessionDeps, to: ReplyTarget, body: string): Promise<void> {
  try {
    const gh = await d.github(to.installationId);
    const where = { owner: to.repo.owner, repo: to.repo.name };
    if (to.replyTo.kind === "review_thread")
      await gh.rest.pulls.createReplyForReviewComment({
        ...where,
        pull_number: to.issue.number,
        comment_id: to.replyTo.commentId,
        body,
      });
    else await gh.rest.issues.createComment({ ...where, issue_number: to.issue.number, body });
  } catch (error) {
    d.log("could not post a reply", { issue: to.issue.number, error: String(error) });
  }
}
