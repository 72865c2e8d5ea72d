/**
 * The repository's pull-request template, if it has one, read from the base branch at the places
 * GitHub looks (the `.github` folder, the root, `docs/`). Missing everywhere → null. A template is
 * context for the PR body, so a failure to read one is not worth failing the run over.
 */
import { stripHidden } from "../core/strip-hidden.js";

export const TEMPLATE_PATHS = [
  ".github/pull_request_template.md",
  ".github/PULL_REQUEST_TEMPLATE.md",
  "pull_request_template.md",
  "PULL_REQUEST_TEMPLATE.md",
  "docs/pull_request_template.md",
] as const;

/** Bounded: a template longer than this is cut (GitHub's PR body limit is 65,536 characters). */
const TEMPLATE_MAX = 8_000;

export type ContentsClient = {
  rest: {
    repos: {
      getContent(p: {
        owner: string;
        repo: string;
        path: string;
        ref?: string;
        mediaType?: { format: string };
      }): Promise<{ data: unknown }>;
    };
  };
};

export async function readPullRequestTemplate(
  gh: ContentsClient,
  where: { owner: string; repo: string; ref: string },
): Promise<string | null> {
  for (const path of TEMPLATE_PATHS) {
    try {
      const { data } = await gh.rest.repos.getContent({ ...where, path, mediaType: { format: "raw" } });
      if (typeof data !== "string") continue;
      // HTML comments in a template are instructions to the person filling it in, not content.
      const text = stripHidden(data).trim();
      return text ? text.slice(0, TEMPLATE_MAX) : null;
    } catch (error) {
      if ((error as { status?: number }).status === 404) continue;
      return null;
    }
  }
  return null;
}
