import { ensureUser } from "./ensure-user.js";
import { isoTime } from "./iso-time.js";
import { nodeId } from "./node-id.js";
import { renderUser } from "./render-user.js";
import type { StandInContext } from "./stand-in-context.js";
import type { StandInReaction } from "./stand-in-state.js";

export function renderReaction(ctx: StandInContext, reaction: StandInReaction) {
  return {
    id: reaction.id,
    node_id: nodeId("Reaction", reaction.id),
    user: renderUser(ctx, ensureUser(ctx.state, reaction.user)),
    content: reaction.content,
    created_at: isoTime(reaction.createdAt),
  };
}
