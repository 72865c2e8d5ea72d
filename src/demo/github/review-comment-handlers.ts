import { http, type RequestHandler } from "msw";
import * as z from "zod";
import { githubError } from "./github-error.js";
import { githubJson } from "./github-json.js";
import { nextId } from "./next-id.js";
import { now } from "./now.js";
import { parseNumber } from "./parse-number.js";
import { readJsonBody } from "./read-json-body.js";
import { renderReaction } from "./render-reaction.js";
import { renderReviewComment } from "./render-review-comment.js";
import { type Needs, requireInstallationToken } from "./require-installation-token.js";
import { reviewStateOf } from "./review-state.js";
import type { StandInContext } from "./stand-in-context.js";
import type { StandInReaction, StandInRepo } from "./stand-in-state.js";

const Body = z.object({ body: z.string().min(1).max(65_536) });
const ReactionBody = z.object({
  content: z.enum(["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]),
});
const READ: Needs = [["pull_requests", "read"]];
const WRITE: Needs = [["pull_requests", "write"]];

type RepoParams = { owner: string; repo: string };

/**
 * Review comments on a pull request's diff: reply in a thread, edit, read, react.
 * https://docs.github.com/rest/pulls/comments and https://docs.github.com/rest/reactions
 */
export function reviewCommentHandlers(ctx: StandInContext): RequestHandler[] {
  const base = `${ctx.apiUrl}/repos/:owner/:repo/pulls`;
  const bot = ctx.app.botLogin;
  const find = (repo: StandInRepo, id: string) => {
    const n = parseNumber(id);
    return reviewStateOf(ctx.state).comments.find(
      (c) => c.id === n && c.owner === repo.owner && c.repo === repo.name,
    );
  };

  return [
    // GitHub threads replies under a thread's first comment; replies to replies are not supported.
    http.post<RepoParams & { pull_number: string; comment_id: string }>(
      `${base}/:pull_number/comments/:comment_id/replies`,
      async ({ request, params }) => {
        const auth = requireInstallationToken(request, ctx, params.owner, params.repo, WRITE);
        if (!auth.ok) return auth.response;
        const parent = find(auth.repo, params.comment_id);
        if (!parent || parent.pullNumber !== parseNumber(params.pull_number))
          return githubError(404, "Not Found");
        if (parent.inReplyTo !== null)
          return githubError(422, "Validation Failed", {
            errors: [{ resource: "PullRequestReviewComment", code: "invalid", field: "in_reply_to" }],
          });
        const body = await readJsonBody(request, Body);
        if (!body.ok) return body.response;
        const at = now();
        const reply = {
          ...parent,
          id: nextId(ctx.state),
          reviewId: nextId(ctx.state),
          inReplyTo: parent.id,
          body: body.data.body,
          user: bot,
          createdAt: at,
          updatedAt: at,
          history: [{ body: body.data.body, at }],
        };
        reviewStateOf(ctx.state).comments.push(reply);
        return githubJson(renderReviewComment(ctx, auth.repo, reply), 201);
      },
    ),

    http.get<RepoParams & { comment_id: string }>(`${base}/comments/:comment_id`, ({ request, params }) => {
      const auth = requireInstallationToken(request, ctx, params.owner, params.repo, READ);
      if (!auth.ok) return auth.response;
      const comment = find(auth.repo, params.comment_id);
      return comment
        ? githubJson(renderReviewComment(ctx, auth.repo, comment))
        : githubError(404, "Not Found");
    }),

    http.patch<RepoParams & { comment_id: string }>(
      `${base}/comments/:comment_id`,
      async ({ request, params }) => {
        const auth = requireInstallationToken(request, ctx, params.owner, params.repo, WRITE);
        if (!auth.ok) return auth.response;
        const comment = find(auth.repo, params.comment_id);
        if (!comment) return githubError(404, "Not Found");
        const body = await readJsonBody(request, Body);
        if (!body.ok) return body.response;
        const at = now();
        comment.body = body.data.body;
        comment.updatedAt = at;
        comment.history.push({ body: body.data.body, at });
        return githubJson(renderReviewComment(ctx, auth.repo, comment));
      },
    ),

    // Kept with the other reactions (`commentId` is the review comment's id; ids never collide).
    http.post<RepoParams & { comment_id: string }>(
      `${base}/comments/:comment_id/reactions`,
      async ({ request, params }) => {
        const auth = requireInstallationToken(request, ctx, params.owner, params.repo, WRITE);
        if (!auth.ok) return auth.response;
        const comment = find(auth.repo, params.comment_id);
        if (!comment) return githubError(404, "Not Found");
        const body = await readJsonBody(request, ReactionBody);
        if (!body.ok) return body.response;
        return react(ctx, comment.id, body.data.content);
      },
    ),
  ];
}

/** 201 for a new reaction, 200 with the existing one when the App already reacted so. */
export function react(ctx: StandInContext, subjectId: number, content: string) {
  const bot = ctx.app.botLogin;
  const existing = ctx.state.reactions.find(
    (r) => r.commentId === subjectId && r.user === bot && r.content === content,
  );
  if (existing) return githubJson(renderReaction(ctx, existing), 200);
  const at = now();
  const reaction: StandInReaction = {
    id: nextId(ctx.state),
    commentId: subjectId,
    content,
    user: bot,
    createdAt: at,
  };
  ctx.state.reactions.push(reaction);
  ctx.events.emit("reaction", reaction, at);
  return githubJson(renderReaction(ctx, reaction), 201);
}
