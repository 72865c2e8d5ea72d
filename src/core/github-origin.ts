/**
 * Where the repository's web pages live. GitHub Enterprise installs link to their own host, so take
 * it from a URL GitHub gave us (the pull request's, else the branch's); else github.com.
 */
import type { SessionView } from "./session-view.js";

export function githubOrigin(view: Pick<SessionView, "pr" | "branchUrl">): string {
  for (const url of [view.pr?.url, view.branchUrl]) {
    if (!url || !/^https?:\/\//i.test(url)) continue;
    try {
      return new URL(url).origin;
    } catch {
      // Not a URL after all; try the next one.
    }
  }
  return "https://github.com";
}
