import { http, type RequestHandler } from "msw";
import * as z from "zod";
import { addComment } from "./add-comment.js";
import { findIssueOrPull } from "./find-issue-or-pull.js";
import { githubError } from "./github-error.js";
import { githubJson } from "./github-json.js";
import { nextId } from "./next-id.js";
import { now } from "./now.js";
import { paginate } from "./paginate.js";
import { parseNumber } from "./parse-number.js";
import { readJsonBody } from "./read-json-body.js";
import { renderComment } from "./render-comment.js";
import { renderIssue } from "./render-issue.js";
import { renderReaction } from "./render-reaction.js";
import { type Needs, requireInstallationToken } from "./require-installation-token.js";
import type { StandInContext } from "./stand-in-context.js";
import type { StandInReaction } from "./stand-in-state.js";

/** GitHub rejects comment bodies over 65,536 characters with a 422. */
const MAX_BODY = 65_536;
const CommentBody = z.object({
  body: z.string().max(MAX_BODY, "Body is too long (maximum is 65536 characters)"),
});
const ReactionBody = z.object({
  content: z.enum(["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]),
});

// Issue comments on pull requests are allowed with either permission, as on GitHub.
const READ: Needs = [
  ["issues", "read"],
  ["pull_requests", "read"],
];
const WRITE: Needs = [
  ["issues", "write"],
  ["pull_requests", "write"],
];

type RepoParams = { owner: string; repo: string };

/** Issues, issue comments and comment reactions: https://docs.github.com/rest/issues */
export function issueHandlers(ctx: StandInContext): RequestHandler[] {
  const base = `${ctx.apiUrl}/repos/:owner/:repo/issues`;
  const bot = ctx.app.botLogin;

  const findComment = (params: RepoParams & { comment_id: string }) => {
    const id = parseNumber(params.comment_id);
    return ctx.state.comments.find(
      (c) =>
        c.id === id &&
        c.owner.toLowerCase() === params.owner.toLowerCase() &&
        c.repo.toLowerCase() === params.repo.toLowerCase(),
    );
  };

  return [
    http.get<RepoParams & { issue_number: string }>(`${base}/:issue_number`, ({ request, params }) => {
      const auth = requireInstallationToken(request, ctx, params.owner, params.repo, READ);
      if (!auth.ok) return auth.response;
      const n = parseNumber(params.issue_number);
      const item = n === undefined ? undefined : findIssueOrPull(ctx.state, auth.repo, n);
      return item ? githubJson(renderIssue(ctx, auth.repo, item)) : githubError(404, "Not Found");
    }),

    http.get<RepoParams & { issue_number: string }>(
      `${base}/:issue_number/comments`,
      ({ request, params }) => {
        const auth = requireInstallationToken(request, ctx, params.owner, params.repo, READ);
        if (!auth.ok) return auth.response;
        const n = parseNumber(params.issue_number);
        const item = n === undefined ? undefined : findIssueOrPull(ctx.state, auth.repo, n);
        if (!item) return githubError(404, "Not Found");
        const all = ctx.state.comments.filter(
          (c) => c.owner === auth.repo.owner && c.repo === auth.repo.name && c.issueNumber === item.number,
        );
        const { page, headers } = paginate(request, all);
        return githubJson(
          page.map((c) => renderComment(ctx, auth.repo, c)),
          200,
          headers,
        );
      },
    ),

    http.post<RepoParams & { issue_number: string }>(
      `${base}/:issue_number/comments`,
      async ({ request, params }) => {
        const auth = requireInstallationToken(request, ctx, params.owner, params.repo, WRITE);
        if (!auth.ok) return auth.response;
        const n = parseNumber(params.issue_number);
        const item = n === undefined ? undefined : findIssueOrPull(ctx.state, auth.repo, n);
        if (!item) return githubError(404, "Not Found");
        const body = await readJsonBody(request, CommentBody);
        if (!body.ok) return body.response;
        const comment = addComment(ctx, auth.repo, item.number, body.data.body, bot);
        return githubJson(renderComment(ctx, auth.repo, comment), 201);
      },
    ),

    http.get<RepoParams & { comment_id: string }>(`${base}/comments/:comment_id`, ({ request, params }) => {
      const auth = requireInstallationToken(request, ctx, params.owner, params.repo, READ);
      if (!auth.ok) return auth.response;
      const comment = findComment(params);
      return comment ? githubJson(renderComment(ctx, auth.repo, comment)) : githubError(404, "Not Found");
    }),

    http.patch<RepoParams & { comment_id: string }>(
      `${base}/comments/:comment_id`,
      async ({ request, params }) => {
        const auth = requireInstallationToken(request, ctx, params.owner, params.repo, WRITE);
        if (!auth.ok) return auth.response;
        const comment = findComment(params);
        if (!comment) return githubError(404, "Not Found");
        const body = await readJsonBody(request, CommentBody);
        if (!body.ok) return body.response;
        const at = now();
        comment.body = body.data.body;
        comment.updatedAt = at;
        comment.history.push({ body: body.data.body, at });
        ctx.events.emit("comment_updated", comment, at);
        return githubJson(renderComment(ctx, auth.repo, comment));
      },
    ),

    http.get<RepoParams & { comment_id: string }>(
      `${base}/comments/:comment_id/reactions`,
      ({ request, params }) => {
        const auth = requireInstallationToken(request, ctx, params.owner, params.repo, READ);
        if (!auth.ok) return auth.response;
        const comment = findComment(params);
        if (!comment) return githubError(404, "Not Found");
        const all = ctx.state.reactions.filter((r) => r.commentId === comment.id);
        const { page, headers } = paginate(request, all);
        return githubJson(
          page.map((r) => renderReaction(ctx, r)),
          200,
          headers,
        );
      },
    ),

    // 201 for a new reaction, 200 with the existing one when this user already reacted so.
    http.post<RepoParams & { comment_id: string }>(
      `${base}/comments/:comment_id/reactions`,
      async ({ request, params }) => {
        const auth = requireInstallationToken(request, ctx, params.owner, params.repo, WRITE);
        if (!auth.ok) return auth.response;
        const comment = findComment(params);
        if (!comment) return githubError(404, "Not Found");
        const body = await readJsonBody(request, ReactionBody);
        if (!body.ok) return body.response;
        const existing = ctx.state.reactions.find(
          (r) => r.commentId === comment.id && r.user === bot && r.content === body.data.content,
        );
        if (existing) return githubJson(renderReaction(ctx, existing), 200);
        const at = now();
        const reaction: StandInReaction = {
          id: nextId(ctx.state),
          commentId: comment.id,
          content: body.data.content,
          user: bot,
          createdAt: at,
        };
        ctx.state.reactions.push(reaction);
        ctx.events.emit("reaction", reaction, at);
        return githubJson(renderReaction(ctx, reaction), 201);
      },
    ),
  ];
}
