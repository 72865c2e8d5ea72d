import { nextId } from "./next-id.js";
import { now } from "./now.js";
import type { StandInContext } from "./stand-in-context.js";
import type { StandInComment, StandInRepo } from "./stand-in-state.js";

/** Records a comment on an issue or pull request and announces it as `comment_created`. */
export function addComment(
  ctx: StandInContext,
  repo: StandInRepo,
  issueNumber: number,
  body: string,
  login: string,
): StandInComment {
  const at = now();
  const comment: StandInComment = {
    id: nextId(ctx.state),
    owner: repo.owner,
    repo: repo.name,
    issueNumber,
    body,
    user: login,
    createdAt: at,
    updatedAt: at,
    history: [{ body, at }],
  };
  ctx.state.comments.push(comment);
  ctx.events.emit("comment_created", comment, at);
  return comment;
}
