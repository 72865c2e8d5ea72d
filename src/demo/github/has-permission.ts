import type { AccessLevel, AppPermissions } from "./stand-in-state.js";

/** Whether `granted` includes `name` at `level` or above (write implies read). */
export function hasPermission(granted: AppPermissions, name: string, level: AccessLevel): boolean {
  const have = granted[name];
  return have === "write" || (have === "read" && level === "read");
}
