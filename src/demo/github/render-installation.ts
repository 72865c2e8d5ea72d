import { ensureUser } from "./ensure-user.js";
import { isoTime } from "./iso-time.js";
import { renderUser } from "./render-user.js";
import type { StandInContext } from "./stand-in-context.js";
import type { StandInInstallation } from "./stand-in-state.js";

export function renderInstallation(ctx: StandInContext, installation: StandInInstallation) {
  const account = ensureUser(ctx.state, installation.account);
  return {
    id: installation.id,
    account: renderUser(ctx, account),
    repository_selection: "selected",
    access_tokens_url: `${ctx.apiUrl}/app/installations/${installation.id}/access_tokens`,
    repositories_url: `${ctx.apiUrl}/installation/repositories`,
    html_url: `${ctx.url}/settings/installations/${installation.id}`,
    app_id: ctx.app.id,
    app_slug: ctx.app.slug,
    target_id: account.id,
    target_type: account.type === "Bot" ? "User" : account.type,
    permissions: installation.permissions,
    events: ["issue_comment", "issues", "pull_request", "pull_request_review", "pull_request_review_comment"],
    created_at: isoTime(installation.createdAt),
    updated_at: isoTime(installation.createdAt),
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}
