/**
 * Whether a user may start the agent: write, maintain or admin on the repository, read from
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

const ALLOWED = new Set(["admin", "maintain", "write"]);

export async function hasWriteAccess(
  octokit: PermissionClient,
  owner: string,
  repo: string,
  username: string,
): Promise<boolean> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username });
    return ALLOWED.has(data.permission) || ALLOWED.has(data.role_name ?? "");
  } catch (error) {
    // GitHub answers 404 for a user who is not a collaborator; anything else is a real failure.
    if ((error as { status?: number }).status === 404) return false;
    throw error;
  }
}
