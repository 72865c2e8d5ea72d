/**
 * The subsets of GitHub's webhook payloads that the Worker's classification and the app's handlers
 * rely on (https://docs.github.com/webhooks/webhook-events-and-payloads). A delivery of another
 * shape is answered as ignored by the Worker, never accepted and then failed later in the session.
 */
import * as z from "zod";

export const Account = z.object({ login: z.string(), id: z.number().int(), type: z.string() });
export type Account = z.infer<typeof Account>;

export const Repository = z.object({
  id: z.number().int(),
  name: z.string(),
  full_name: z.string(),
  owner: Account,
  clone_url: z.string().url(),
  html_url: z.string().url(),
  default_branch: z.string().min(1),
});
export type Repository = z.infer<typeof Repository>;

const Installation = z.object({ id: z.number().int().positive() });

/** An issue (or a pull request seen as an issue) in a comment's payload: what the handlers read. */
const Issue = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string().nullish(),
  user: Account.nullish(),
  /** How many comments the thread has: tells which page of them is the newest. */
  comments: z.number().int().nonnegative().optional(),
  labels: z.array(z.object({ name: z.string() })).optional(),
  /** Present when the issue is a pull request. */
  pull_request: z.object({}).nullish(),
});
export type Issue = z.infer<typeof Issue>;

/** The issue of an `issues` event, which is itself the trigger: its id, page and times matter. */
const TriggeringIssue = Issue.extend({
  id: z.number().int().positive(),
  html_url: z.string(),
  created_at: z.string(),
  /** When the event happened (for `labeled`, when the label was added). */
  updated_at: z.string(),
});

/** A pull request as review events carry it: head and base as they were when the event happened. */
export const PullRequest = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string().nullish(),
  html_url: z.string(),
  head: z.object({
    ref: z.string().min(1),
    sha: z.string().min(1),
    /** Null when the fork it came from was deleted. */
    repo: z.object({ full_name: z.string() }).nullable(),
  }),
  base: z.object({ ref: z.string().min(1), repo: z.object({ full_name: z.string() }) }),
  comments: z.number().int().nonnegative().optional(),
  changed_files: z.number().int().nonnegative().optional(),
});
export type PullRequest = z.infer<typeof PullRequest>;

export const IssueCommentPayload = z.object({
  action: z.string(),
  comment: z.object({
    id: z.number().int().positive(),
    body: z.string().nullable(),
    html_url: z.string(),
    created_at: z.string().optional(),
    user: Account.nullable(),
  }),
  issue: Issue,
  repository: Repository,
  sender: Account,
  installation: Installation.optional(),
});

/** `issues` events: opened (the body may call the bot) and labeled (the label may be the trigger). */
export const IssuesPayload = z.object({
  action: z.string(),
  issue: TriggeringIssue,
  label: z.object({ id: z.number().int(), name: z.string() }).optional(),
  repository: Repository,
  sender: Account,
  installation: Installation.optional(),
});

export const ReviewCommentPayload = z.object({
  action: z.string(),
  comment: z.object({
    id: z.number().int().positive(),
    body: z.string(),
    html_url: z.string(),
    created_at: z.string(),
    user: Account.nullable(),
    path: z.string(),
    diff_hunk: z.string(),
    line: z.number().int().nullish(),
    /** Set on a reply: GitHub threads replies under the thread's first comment. */
    in_reply_to_id: z.number().int().positive().optional(),
  }),
  pull_request: PullRequest,
  repository: Repository,
  sender: Account,
  installation: Installation.optional(),
});

export const ReviewPayload = z.object({
  action: z.string(),
  review: z.object({
    id: z.number().int().positive(),
    body: z.string().nullable(),
    html_url: z.string(),
    submitted_at: z.string().nullish(),
    user: Account.nullable(),
  }),
  pull_request: PullRequest,
  repository: Repository,
  sender: Account,
  installation: Installation.optional(),
});

const RepositoryRef = z.object({ full_name: z.string() });

export const InstallationPayload = z.object({
  action: z.string(),
  installation: z.object({ id: z.number().int(), account: z.object({ login: z.string() }).nullish() }),
  repositories: z.array(RepositoryRef).optional(),
});

export const InstallationRepositoriesPayload = z.object({
  action: z.string(),
  installation: z.object({ id: z.number().int(), account: z.object({ login: z.string() }).nullish() }),
  repositories_added: z.array(RepositoryRef).default([]),
  repositories_removed: z.array(RepositoryRef).default([]),
});
