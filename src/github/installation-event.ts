/**
 * `installation` and `installation_repositories` events: nothing to run. The Worker answers them with
 * what they said, for GitHub's delivery log. Nothing needs dropping: installation tokens live in each
 * session object's own Probot (and expire within the hour), the slug is the App's and does not
 * change with an installation, and sessions of a removed repository stop getting deliveries.
 */
import { InstallationPayload, InstallationRepositoriesPayload } from "./webhook-schemas.js";

export type InstallationNote = {
  installation: number;
  account: string | null;
  action: string;
  added?: string[];
  removed?: string[];
};

/** What an installation event says, or null for another event (or a payload of another shape). */
export function installationEvent(name: string, payload: unknown): InstallationNote | null {
  if (name === "installation") {
    const p = InstallationPayload.safeParse(payload);
    if (!p.success) return null;
    const { action, installation, repositories } = p.data;
    const names = repositories?.map((r) => r.full_name) ?? [];
    return {
      installation: installation.id,
      account: installation.account?.login ?? null,
      action,
      ...(action === "created" ? { added: names } : {}),
      ...(action === "deleted" ? { removed: names } : {}),
    };
  }
  if (name === "installation_repositories") {
    const p = InstallationRepositoriesPayload.safeParse(payload);
    if (!p.success) return null;
    const { action, installation, repositories_added, repositories_removed } = p.data;
    return {
      installation: installation.id,
      account: installation.account?.login ?? null,
      action,
      added: repositories_added.map((r) => r.full_name),
      removed: repositories_removed.map((r) => r.full_name),
    };
  }
  return null;
}
