import { nodeId } from "./node-id.js";
import type { StandInContext } from "./stand-in-context.js";
import type { StandInUser } from "./stand-in-state.js";

/** The "simple user" object GitHub embeds everywhere (issue.user, comment.user, sender, owner). */
export function renderUser(ctx: StandInContext, user: StandInUser) {
  const api = `${ctx.apiUrl}/users/${encodeURIComponent(user.login)}`;
  const isApp = user.type === "Bot" && user.login === ctx.app.botLogin;
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId(user.type, user.id),
    avatar_url: `${ctx.url}/avatars/u/${user.id}?v=4`,
    gravatar_id: "",
    url: api,
    html_url: isApp ? `${ctx.url}/apps/${ctx.app.slug}` : `${ctx.url}/${user.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: user.type,
    user_view_type: "public",
    site_admin: false,
  };
}
