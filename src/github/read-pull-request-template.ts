/**
 * The repository's pull-request template, if it has one, read from the base branch at the places
 * GitHub looks (the `.github` folder, the root, `docs/`). Missing everywhere → null. GitHub failing
 * to answer (not a 404) rejects: the caller may ask again, or go on without (a template is context
 * for the PR body, not worth failing the run over).
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
  // All places at once (the PR waits for this): the first in GitHub's order that has one wins.
  const answers = await Promise.all(
    TEMPLATE_PATHS.map((path) =>
      gh.rest.repos.getContent({ ...where, path, mediaType: { format: "raw" } }).then(
        ({ data }) => ({ data }),
        (error: unknown) => ({ error }),
      ),
    ),
  );
  for (const answer of answers) {
    if ("error" in answer) {
      if ((answer.error as { status?: number }).status === 404) continue;
      throw answer.error;
    }
    if (typeof answer.data !== "string") continue;
    // HTML comments in a template are instructions to the person filling it in, not content.
    const text = stripHidden(answer.data).trim();
    return text ? text.slice(0, TEMPLATE_MAX) : null;
  }
  return null;
}
