/**
 * Whether a user may start the agent (write, maintain or admin on the repository), and whether they
 * maintain it (maintain or admin: what may-trigger.ts asks while the config is invalid), read from
 * GET /repos/{owner}/{repo}/collaborators/{username}/permission. `role_name` carries maintain and
 * custom roles; the legacy `permission` field folds maintain into write.
 */
export type PermissionClient = {
  rest: {
    repos: {
      getCollaboratorPermissionLevel(p: { owner: string; repo: string; username: string }): Promise<{
        data: { permission: string; role_name?: string };
      }>;
    };
  };
};

/** What a user may do to the repository, as far as the bot cares: maintain it (admin or maintain), or write. */
export type Access = "maintain" | "write" | "none";

export async function accessOf(
  octokit: PermissionClient,
  owner: string,
  repo: string,
  username: string,
): Promise<Access> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username });
    const roles = [data.permission, data.role_name ?? ""];
    if (roles.some((r) => r === "admin" || r === "maintain")) return "maintain";
    return roles.includes("write") ? "write" : "none";
  } catch (error) {
    // GitHub answers 404 for a user who is not a collaborator; anything else is a real failure.
    if ((error as { status?: number }).status === 404) return "none";
    throw error;
  }
}
