/**
 * What every trigger has in common, once its handler (on-*.ts) has said what it is: who may call,
 * the repository's config, the 👀, the command or prompt, the request, and the call to the session.
 *
 * Order matters. The App's own events stop first (no loops). The config is read before anything is
 * decided from the text, since it may rename the handle or the label. Bots not listed in the config
 * stop silently: an answer to a bot invites a reply from it. A person without the right to ask gets
 * one polite answer per thread (noticeOnce). Only then 👀, and only then the config's validity
 * matters: a broken file is reported instead of running, except for `help`, `stop` and `status`,
 * which must work whatever the file says, for admins and maintainers (the list of who may ask is in
 * the broken file). A failure after the 👀 is answered once, in the thread (trigger-failed.ts). The
 * instruction is the text as delivered in the payload; nothing of the trigger is read back from
 * GitHub afterwards.
 */
import type { Context } from "probot";
import { FLAG_NAMES, type ParsedCommand, parseCommand, type SessionCommand } from "../core/parse-command.js";
import { redact } from "../core/redact.js";
import type { StartSessionRequest } from "../core/start-session-request.js";
import { stripHidden } from "../core/strip-hidden.js";
import { addEyes, type ReactTarget } from "./add-eyes.js";
import { configProblemsText, refusalText } from "./answer-texts.js";
import { buildPrompt, type PromptInput } from "./build-prompt.js";
import type { ConfigCache } from "./config-cache.js";
import { type Before, changedFiles, earlierComments } from "./gather-context.js";
import type { GitHubClient } from "./github-client.js";
import { accessOf } from "./has-write-access.js";
import { helpText } from "./help-text.js";
import { humanMayTrigger, judgeCaller } from "./may-trigger.js";
import { type PinnedPull, pinPull } from "./pin-pull.js";
import { postReply } from "./post-reply.js";
import { pullStateOf } from "./pull-state.js";
import { readConfigFile } from "./read-config-file.js";
import { DEFAULT_LABEL, type LoadedConfig, loadRepoConfig, type RepoConfig } from "./repo-config.js";
import { requestOptions } from "./request-options.js";
import { stripHiddenMarkup } from "./strip-hidden-markup.js";
import { TriggerFailed } from "./trigger-failed.js";
import type { Account, Repository } from "./webhook-schemas.js";

export type AcceptDeps = {
  startSession(request: StartSessionRequest): Promise<void>;
  command(command: SessionCommand, request: StartSessionRequest): Promise<void>;
  /**
   * True the first time a key is seen in this session, false ever after. A session spans an issue and
   * the pull request it opened, so a key names its thread and its kind (`refused:<number>`).
   */
  noticeOnce(key: string): Promise<boolean>;
  /** The App's slug, read once (app-slug.ts). */
  appSlug(): Promise<string>;
  /** The repository config, kept briefly per app instance (src/github/config-cache.ts). */
  config: ConfigCache<LoadedConfig>;
  /**
   * The head a pull request had at a moment (GitHub's clock), from the pushes the Worker recorded
   * (worker/session-links.ts); null when none was recorded at or before it.
   */
  headAt?(repoId: number, pullNumber: number, atMs: number): Promise<string | null>;
};

/** The parts of Probot's Context a trigger uses. */
export type TriggerContext = {
  id: string;
  octokit: GitHubClient;
  log: Context["log"];
  config(fileName: string): Promise<unknown>;
  /** The delivery as received: read here only for a pull request's state (pull-state.ts). */
  payload?: unknown;
};

/** A trigger, as its handler read it from the payload. */
export type TriggerInput = {
  via: NonNullable<PromptInput["via"]>;
  installationId: number;
  repository: Repository;
  thread: { number: number; title: string; body: string | null; isPullRequest: boolean; comments?: number };
  /** Who asked (the comment's, review's or issue's author; the labeller), and who sent the event. */
  author: Account;
  sender: Account;
  /** What calls the bot, exactly as delivered; for a label, the label's name instead. */
  asks: { text: string } | { label: string };
  /** The labels a new issue was opened with: with the trigger label, `issues.labeled` runs it instead. */
  openedWithLabels?: string[];
  source: { commentId: number | null; htmlUrl: string };
  /** What counts as "before the trigger" for the earlier comments; null: there are none (a new issue). */
  before: Before | null;
  react: ReactTarget;
  replyTo: StartSessionRequest["replyTo"];
  review?: { path: string; line: number | null; hunk: string };
  /** A pull request's head as the payload delivered it (review events), else pinned with pulls.get. */
  pull?: { pinned: PinnedPull; changedFiles?: number };
};

export async function acceptTrigger(
  context: TriggerContext,
  deps: AcceptDeps,
  t: TriggerInput,
): Promise<void> {
  const owner = t.repository.owner.login;
  const repo = t.repository.name;
  const log = context.log.child({
    delivery: context.id,
    repo: t.repository.full_name,
    number: t.thread.number,
    via: t.via,
  });
  const accounts = [t.author, t.sender];
  // The first answer (👀) waits for the App's slug, the config and, from a person, their permission:
  // asked all at once, so it comes one GitHub round trip after the installation token, not four. A
  // permission read for a comment that turns out not to call the bot (a renamed handle) is the price.
  const human = accounts.every((a) => a.type !== "Bot");
  const access = human ? accessOf(context.octokit, owner, repo, t.author.login) : null;
  // Awaited below, or dropped on an early return: a rejection must not go unhandled meanwhile.
  access?.catch(() => {});
  const [slug, loaded] = await Promise.all([
    deps.appSlug(),
    deps.config(t.repository.full_name, () =>
      loadRepoConfig(() =>
        readConfigFile(context.octokit, owner, repo, () => context.config("understudy.yml")),
      ),
    ),
  ]);
  if (judgeCaller(accounts, slug).kind === "app_itself")
    return log.info("the App's own event never triggers");

  const config: RepoConfig = loaded.ok ? loaded.config : {};
  const handle = config.handle ?? slug;
  const label = config.label ?? DEFAULT_LABEL;

  let ask: ParsedCommand;
  if ("label" in t.asks) {
    if (t.asks.label.toLowerCase() !== label.toLowerCase()) return log.debug("another label");
    ask = { form: "mention", kind: "prompt", task: issueTask(t), flags: {} };
  } else {
    if (t.openedWithLabels?.some((l) => l.toLowerCase() === label.toLowerCase()))
      return log.info("opened with the trigger label: its labeled delivery runs it");
    const parsed = parseCommand(stripHiddenMarkup(t.asks.text), handle);
    if (!parsed) return log.debug(`does not call @${handle}`);
    ask = parsed;
  }

  const where = { owner, repo, number: t.thread.number, replyTo: t.replyTo };
  const login = t.author.login;
  const caller = judgeCaller(accounts, slug, config.allowed_bots);
  if (caller.kind === "bot" && !caller.allowed)
    return log.info({ login }, "bots not listed in allowed_bots never trigger");
  // Whether the caller may use what works without the config (help, stop, status): with a broken
  // file, only admins and maintainers (may-trigger.ts); bots never get this far then.
  let trusted = true;
  if (caller.kind === "human") {
    const verdict = await humanMayTrigger(
      await (access ?? accessOf(context.octokit, owner, repo, login)),
      login,
      loaded.ok ? config : null,
    );
    if (!verdict.ok && verdict.why !== "config_invalid") {
      log.info({ login, why: verdict.why }, "trigger from someone who may not ask");
      // One answer per thread: a refusal on every comment would be noise, and could be made to be.
      if (await deps.noticeOnce(`refused:${t.thread.number}`))
        await postReply(context.octokit, where, refusalText(login, verdict.why));
      return;
    }
    trusted = verdict.ok;
  }

  // From the 👀 on, the person waits for an answer: a failure carries where to give it, and the
  // inbox gives it once the delivery has failed for good (trigger-failed.ts).
  try {
    // A request's context (earlier comments, a pull request's files) is read while the 👀 is sent:
    // the status comment waits for both, not one after the other.
    const eyes = addEyes(context.octokit, owner, repo, t.react);
    const forPrompt =
      ask.kind === "prompt" && loaded.ok ? promptFor(context, t, redact(ask.task), slug, deps.headAt) : null;
    forPrompt?.catch(() => {});
    await eyes;
    // Help, stop and status do not depend on the file, and must work while it is broken.
    const keepsWorking =
      trusted && (ask.kind === "help" || (ask.kind === "session" && ask.command !== "retry"));
    if (!loaded.ok && !keepsWorking) {
      log.info({ problems: loaded.problems }, "invalid config");
      await postReply(context.octokit, where, configProblemsText(login, loaded.problems));
      return;
    }
    if (ask.kind === "help") {
      await postReply(context.octokit, where, helpText({ handle, label, problem: ask.problem }));
      return;
    }

    const base = baseRequest(context, t);
    if (ask.kind === "session") {
      await deps.command(ask.command, { ...base, task: ask.command, prompt: ask.command });
      return log.info({ command: ask.command }, "session command");
    }
    // A token pasted into the request is removed before it is stored, shown or given to the agent.
    const task = redact(ask.task);
    const { pull: pinned, prompt } = await (forPrompt ?? promptFor(context, t, task, slug, deps.headAt));
    // Closed or merged, the session leaves its head alone (worker/session/session-branch.ts).
    const pull = pinned && { ...pinned, ...pullStateOf(context.payload) };
    const options = requestOptions(config, ask.flags);
    const flagged = FLAG_NAMES.filter((f) => ask.flags[f] !== undefined);
    await deps.startSession({ ...base, task, prompt, options, flagged, pull });
    log.info({ options, pinned: pull?.headSha ?? null }, "request accepted");
  } catch (error) {
    throw new TriggerFailed({ installationId: t.installationId, ...where, login }, error);
  }
}

/** A labelled issue is its own task: its title names it, its description is the context. */
function issueTask(t: TriggerInput): string {
  const title = stripHiddenMarkup(t.thread.title).trim();
  return title ? `Resolve #${t.thread.number}: ${title}` : `Resolve #${t.thread.number}`;
}

function baseRequest(context: TriggerContext, t: TriggerInput): Omit<StartSessionRequest, "task" | "prompt"> {
  return {
    deliveryId: context.id,
    installationId: t.installationId,
    repo: {
      id: t.repository.id,
      owner: t.repository.owner.login,
      name: t.repository.name,
      cloneUrl: t.repository.clone_url,
      htmlUrl: t.repository.html_url,
      defaultBranch: t.repository.default_branch,
    },
    // The title is shown in the transcript and status comment: what a reader sees is what is stored.
    issue: {
      number: t.thread.number,
      title: redact(stripHidden(t.thread.title)),
      isPullRequest: t.thread.isPullRequest,
    },
    trigger: t.source,
    requester: { login: t.author.login, id: t.author.id },
    options: {},
    replyTo: t.replyTo,
    pull: null,
  };
}

/** The pinned head and the context, each read from GitHub once. */
async function promptFor(
  context: TriggerContext,
  t: TriggerInput,
  task: string,
  slug: string,
  headAt?: AcceptDeps["headAt"],
): Promise<{ pull: PinnedPull | null; prompt: string }> {
  const where = { owner: t.repository.owner.login, repo: t.repository.name, number: t.thread.number };
  // The thread's comments and the pull request's files, read at once.
  const commentsRead = t.before
    ? earlierComments(context.octokit, where, t.before, t.thread.comments, `${slug}[bot]`)
    : Promise.resolve(undefined);
  commentsRead.catch(() => {});
  let pull: PinnedPull | null = null;
  let files: PromptInput["files"];
  if (t.thread.isPullRequest) {
    let total = t.pull?.changedFiles;
    if (t.pull) pull = t.pull.pinned;
    else {
      const pinned = await pinPull(context.octokit, where.owner, where.repo, where.number, {
        at: t.before?.at ?? null,
        headAt: headAt ? (n, atMs) => headAt(t.repository.id, n, atMs) : undefined,
      });
      pull = pinned.pull;
      total = pinned.pr.changed_files;
    }
    files = await changedFiles(context.octokit, where, total);
  }
  const comments = await commentsRead;
  const prompt = buildPrompt({
    repo: t.repository.full_name,
    kind: t.thread.isPullRequest ? "pull request" : "issue",
    number: t.thread.number,
    title: t.thread.title,
    body: t.thread.body,
    requester: t.author.login,
    task,
    via: t.via,
    ...(comments ? { comments } : {}),
    ...(files ? { files } : {}),
    pull,
    review: t.review ?? null,
  });
  return { pull, prompt };
}
