import type { Permission, StandInRepo } from "./stand-in-state.js";

/**
 * A user's role on a repository: the owner is admin, collaborators have what `setPermission` gave
 * them, and anyone else can read a public repository and nothing of a private one.
 */
export function roleOf(repo: StandInRepo, login: string): Permission {
  if (login.toLowerCase() === repo.owner.toLowerCase()) return "admin";
  const explicit = repo.permissions.get(login.toLowerCase());
  if (explicit) return explicit;
  return repo.private ? "none" : "read";
}
