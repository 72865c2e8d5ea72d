import { ensureUser } from "./ensure-user.js";
import { isoTime } from "./iso-time.js";
import { nodeId } from "./node-id.js";
import { renderUser } from "./render-user.js";
import type { StandInContext } from "./stand-in-context.js";

/** GET /app: the App itself. The stand-in's App is owned by a user named after its slug. */
export function renderApp(ctx: StandInContext) {
  const { app } = ctx;
  return {
    id: app.id,
    slug: app.slug,
    client_id: `Iv1.${app.id.toString(16).padStart(16, "0")}`,
    node_id: nodeId("App", app.id),
    owner: renderUser(ctx, ensureUser(ctx.state, `${app.slug}-owner`)),
    name: app.slug,
    description: "GitHub stand-in App",
    external_url: ctx.url,
    html_url: `${ctx.url}/apps/${app.slug}`,
    created_at: isoTime(app.createdAt),
    updated_at: isoTime(app.createdAt),
    permissions: app.permissions,
    events: ["issue_comment", "issues", "pull_request", "pull_request_review", "pull_request_review_comment"],
    installations_count: ctx.state.installations.length,
  };
}
