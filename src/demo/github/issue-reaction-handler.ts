import { http, type RequestHandler } from "msw";
import * as z from "zod";
import { findIssueOrPull } from "./find-issue-or-pull.js";
import { githubError } from "./github-error.js";
import { parseNumber } from "./parse-number.js";
import { readJsonBody } from "./read-json-body.js";
import { requireInstallationToken } from "./require-installation-token.js";
import { react } from "./review-comment-handlers.js";
import type { StandInContext } from "./stand-in-context.js";

const ReactionBody = z.object({
  content: z.enum(["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]),
});

/**
 * POST /repos/{o}/{r}/issues/{n}/reactions: a reaction on an issue (or a pull request) itself.
 * Kept with the other reactions, under the issue's id (`commentId`; ids never collide).
 */
export function issueReactionHandler(ctx: StandInContext): RequestHandler {
  return http.post<{ owner: string; repo: string; issue_number: string }>(
    `${ctx.apiUrl}/repos/:owner/:repo/issues/:issue_number/reactions`,
    async ({ request, params }) => {
      const auth = requireInstallationToken(request, ctx, params.owner, params.repo, [
        ["issues", "write"],
        ["pull_requests", "write"],
      ]);
      if (!auth.ok) return auth.response;
      const n = parseNumber(params.issue_number);
      const item = n === undefined ? undefined : findIssueOrPull(ctx.state, auth.repo, n);
      if (!item) return githubError(404, "Not Found");
      const body = await readJsonBody(request, ReactionBody);
      if (!body.ok) return body.response;
      return react(ctx, item.id, body.data.content);
    },
  );
}
