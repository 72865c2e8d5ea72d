/**
 * The Probot app: decides whether a webhook is a request for the agent, acknowledges it on GitHub,
 * and hands it to a session. It never waits for the agent: `startSession` only starts one.
 */
import type { ApplicationFunction, Context } from "probot";
import { redact } from "../core/redact.js";
import type { StartSessionRequest } from "../core/start-session-request.js";
import { stripHidden } from "../core/strip-hidden.js";
import { buildPrompt } from "./build-prompt.js";
import { classifyWebhook } from "./classify-webhook.js";
import { hasWriteAccess } from "./has-write-access.js";

/** Words that operate the session instead of asking the agent (`@understudy stop`). */
export const SESSION_COMMANDS = ["stop", "status", "retry"] as const;
export type SessionCommand = (typeof SESSION_COMMANDS)[number];

export type AppDeps = {
  /** The handle people mention: the App's slug. */
  handle: string;
  startSession(request: StartSessionRequest): Promise<void>;
  /** A session command; `request` carries who asked, where, and the delivery (its task is the word). */
  command(command: SessionCommand, request: StartSessionRequest): Promise<void>;
};

export function understudyApp(deps: AppDeps): ApplicationFunction {
  return (app) => {
    app.on("issue_comment.created", (context) => onIssueComment(context, deps));
  };
}

async function onIssueComment(context: Context<"issue_comment.created">, deps: AppDeps): Promise<void> {
  const { comment, issue, repository, sender, installation } = context.payload;
  // Bots never trigger, the App itself included: that is what keeps the bot from answering itself.
  const decision = classifyWebhook("issue_comment", context.payload, deps.handle);
  if (!decision.accepted || !installation) return;
  // A token pasted into the request is removed before it is stored, shown or given to the agent.
  const task = redact(decision.mention.task);
  const log = context.log.child({ delivery: context.id, repo: repository.full_name, issue: issue.number });
  const owner = repository.owner.login;
  const repo = repository.name;
  const login = comment.user?.login ?? sender.login;

  if (!(await hasWriteAccess(context.octokit, owner, repo, login))) {
    log.info({ login }, "trigger from a user without write access");
    await context.octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: issue.number,
      body: `Thanks for the mention, @${login}. Only people with write access to this repository can ask me to make changes, so I have not started. A maintainer can ask on your behalf.`,
    });
    return;
  }

  await context.octokit.rest.reactions.createForIssueComment({
    owner,
    repo,
    comment_id: comment.id,
    content: "eyes",
  });

  if (!task) {
    await context.octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: issue.number,
      body: helpText(deps.handle),
    });
    return;
  }

  const isPullRequest = Boolean(issue.pull_request);
  const request: StartSessionRequest = {
    deliveryId: context.id,
    installationId: installation.id,
    repo: {
      id: repository.id,
      owner,
      name: repo,
      cloneUrl: repository.clone_url,
      htmlUrl: repository.html_url,
      defaultBranch: repository.default_branch,
    },
    // The title is shown in the transcript and status comment: what a reader sees is what is stored.
    issue: { number: issue.number, title: redact(stripHidden(issue.title)), isPullRequest },
    trigger: { commentId: comment.id, htmlUrl: comment.html_url },
    requester: { login, id: comment.user?.id ?? sender.id },
    task,
    prompt: buildPrompt({
      repo: repository.full_name,
      kind: isPullRequest ? "pull request" : "issue",
      number: issue.number,
      title: issue.title,
      body: issue.body ?? null,
      requester: login,
      task,
    }),
    options: {},
    replyTo: { kind: "conversation" },
    pull: null,
  };
  const command = SESSION_COMMANDS.find((c) => c === task.trim().toLowerCase());
  if (command) {
    await deps.command(command, request);
    log.info({ command }, "session command");
    return;
  }
  await deps.startSession(request);
  log.info("request accepted");
}

export function helpText(handle: string): string {
  return [
    `Mention me with a task and I will work on it in a sandbox and open a pull request, for example:`,
    "",
    `> @${handle} add a CONTRIBUTING.md that explains how to run the tests`,
    "",
    "I edit one status comment as I go, and link the full transcript when I finish. A request made while I am working waits its turn and runs next, on the same branch.",
    "",
    `Also: \`@${handle} stop\` (stop the current run, keep its work on the branch, clear the queue), \`@${handle} status\`, \`@${handle} retry\` (the last request again).`,
  ].join("\n");
}
