import type { RequestHandler } from "msw";
import { issueReactionHandler } from "./issue-reaction-handler.js";
import { pullFilesHandler } from "./pull-files-handler.js";
import { reviewCommentHandlers } from "./review-comment-handlers.js";
import type { StandInContext } from "./stand-in-context.js";

/**
 * What the bot calls beyond comments on issues: a reaction on an issue, a pull request's files, and
 * review comments on the diff (reply in the thread, edit, read, react).
 */
export function triggerHandlers(ctx: StandInContext): RequestHandler[] {
  return [issueReactionHandler(ctx), pullFilesHandler(ctx), ...reviewCommentHandlers(ctx)];
}
