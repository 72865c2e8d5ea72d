/**
 * What the GitHub app hands the SessionDO when a trigger is accepted (Worker → DO RPC). Everything
 * the session needs later is copied here, so the DO never re-reads the webhook.
 */
import * as z from "zod";
import { FLAG_NAMES } from "./parse-command.js";
import { AgentName } from "./wire.js";

export const StartSessionRequest = z.object({
  deliveryId: z.string().min(1),
  installationId: z.number().int().positive(),
  repo: z.object({
    id: z.number().int(),
    owner: z.string(),
    name: z.string(),
    cloneUrl: z.string().url(),
    htmlUrl: z.string().url(),
    defaultBranch: z.string(),
  }),
  issue: z.object({ number: z.number().int().positive(), title: z.string(), isPullRequest: z.boolean() }),
  /** The comment that asked; null for a request made through the REST API. */
  trigger: z.object({ commentId: z.number().int().positive().nullable(), htmlUrl: z.string() }),
  requester: z.object({ login: z.string(), id: z.number().int() }),
  /** The instruction, as the requester wrote it after the mention. */
  task: z.string().min(1),
  /** The full prompt given to the agent: task plus issue context, hidden content stripped. */
  prompt: z.string().min(1),
  /**
   * Choices for this run, from the prompt's flags (`--model`, `--agent`, `--base`, `--draft`) over the
   * repository's `.github/understudy.yml` over the deployment's defaults. Unset means the default.
   */
  options: z
    .object({
      model: z.string().min(1).optional(),
      agent: AgentName.optional(),
      /** Base branch of a new session's branch and PR (default: the repository's default branch). */
      base: z.string().min(1).optional(),
      draft: z.boolean().optional(),
      branchPrefix: z.string().min(1).optional(),
      timeLimitMs: z.number().int().positive().optional(),
      /** The repository config's `setup` commands. */
      setup: z.array(z.string().min(1)).max(50).optional(),
      /** The repository config's `network.allow` hosts. */
      networkAllow: z.array(z.string().min(1)).max(100).optional(),
      /** The repository config's `max_turns` and `max_cost_usd`. */
      maxTurns: z.number().int().positive().optional(),
      maxCostUsd: z.number().positive().optional(),
      /** The repository config's `allow_workflow_changes`. */
      allowWorkflowChanges: z.boolean().optional(),
    })
    .default({}),
  /**
   * The options the request's own flags set (the rest came from the repository's config): a flag
   * that cannot apply (`--base` after the first run, `--draft` where no PR is opened) is answered.
   */
  flagged: z.array(z.enum(FLAG_NAMES)).optional(),
  /**
   * Where the run's status comment and answers go: the issue or PR conversation, or the review
   * thread of the review comment that asked (as replies to it).
   */
  replyTo: z
    .discriminatedUnion("kind", [
      z.object({ kind: z.literal("conversation") }),
      z.object({ kind: z.literal("review_thread"), commentId: z.number().int().positive() }),
    ])
    .default({ kind: "conversation" }),
  /** For a pull request, its head and base as they were when the trigger was accepted (pinned). */
  pull: z
    .object({
      headSha: z.string().min(1),
      headRef: z.string().min(1),
      /** `owner/name` of the head repository; differs from the base repository for a fork. */
      headRepo: z.string().min(1),
      baseRef: z.string().min(1),
      isFork: z.boolean(),
      /** As the trigger's payload had it; unknown (an older request) reads as open. */
      state: z.enum(["open", "closed"]).optional(),
      merged: z.boolean().optional(),
    })
    .nullable()
    .default(null),
});
export type StartSessionRequest = z.infer<typeof StartSessionRequest>;

/** One session per issue or pull request: follow-ups land in the same Durable Object. */
export const sessionKey = (r: Pick<StartSessionRequest, "repo" | "issue">): string =>
  `${r.repo.id}#${r.issue.number}`;
