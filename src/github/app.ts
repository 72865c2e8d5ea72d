/**
 * The Probot app: decides whether a webhook is a request for the agent, acknowledges it on GitHub,
 * and hands it to a session. It never waits for the agent: `startSession` only starts one. One small
 * handler per trigger (on-*.ts) over what they share (accept-trigger.ts).
 */
import type { ApplicationFunction } from "probot";
import type { AcceptDeps } from "./accept-trigger.js";
import { appSlugOnce } from "./app-slug.js";
import { configCache } from "./config-cache.js";
import { onIssueComment } from "./on-issue-comment.js";
import { onIssueLabeled } from "./on-issue-labeled.js";
import { onIssueOpened } from "./on-issue-opened.js";
import { onReview } from "./on-review.js";
import { onReviewComment } from "./on-review-comment.js";

export { SESSION_COMMANDS, type SessionCommand } from "../core/parse-command.js";

/** What the session gives the app: starting a request, the session commands, one-time notices. */
export type AppDeps = Omit<AcceptDeps, "appSlug" | "config">;

export function understudyApp(deps: AppDeps): ApplicationFunction {
  return (app) => {
    // Per app instance, so per Durable Object: the slug is read once there and kept.
    const appSlug = appSlugOnce(async () => {
      const { data } = await (await app.auth()).rest.apps.getAuthenticated();
      if (!data?.slug) throw new Error("GET /app did not say the App's slug");
      return data.slug;
    });
    const d: AcceptDeps = { ...deps, appSlug, config: configCache() };
    app.on("issue_comment.created", (context) => onIssueComment(context, d));
    app.on("issues.opened", (context) => onIssueOpened(context, d));
    app.on("issues.labeled", (context) => onIssueLabeled(context, d));
    app.on("pull_request_review_comment.created", (context) => onReviewComment(context, d));
    app.on("pull_request_review.submitted", (context) => onReview(context, d));
  };
}
