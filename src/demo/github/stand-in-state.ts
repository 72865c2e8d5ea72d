/**
 * The in-memory GitHub: plain data, exposed as `standIn.state` so tests can inspect what the bot
 * did. Every object gets its id from one counter, so an issue id passed where a comment id belongs
 * finds nothing instead of the wrong object.
 */
export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";
export type AccessLevel = "read" | "write";
export type AppPermissions = Record<string, AccessLevel>;

export type StandInUser = { login: string; id: number; type: "User" | "Bot" };

export type StandInInstallation = {
  id: number;
  account: string;
  permissions: AppPermissions;
  createdAt: number;
};

export type StandInRepo = {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  private: boolean;
  installationId: number;
  /** Absolute path of the bare repository. */
  gitDir: string;
  /** Explicit roles by login; the owner is admin without an entry. */
  permissions: Map<string, Permission>;
  /** Issues and pull requests share this sequence, as on GitHub. */
  nextNumber: number;
  createdAt: number;
};

export type StandInIssue = {
  id: number;
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  user: string;
  state: "open" | "closed";
  createdAt: number;
  updatedAt: number;
};

export type StandInComment = {
  id: number;
  owner: string;
  repo: string;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: number;
  updatedAt: number;
  /** Every body the comment has had, the first one included. */
  history: Array<{ body: string; at: number }>;
};

export type StandInReaction = {
  id: number;
  commentId: number;
  content: string;
  user: string;
  createdAt: number;
};

export type StandInPull = {
  id: number;
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  user: string;
  head: string;
  base: string;
  draft: boolean;
  state: "open" | "closed";
  createdAt: number;
  updatedAt: number;
  /** Every version of title, body and state after creation, for edit assertions. */
  history: Array<{ title: string; body: string | null; state: "open" | "closed"; at: number }>;
};

export type StandInToken = {
  token: string;
  installationId: number;
  /** Repository ids the token may touch. */
  repositoryIds: number[];
  repositorySelection: "all" | "selected";
  permissions: AppPermissions;
  createdAt: number;
  /** Epoch milliseconds; tests may lower it to simulate expiry. */
  expiresAt: number;
};

export type StandInPush = {
  owner: string;
  repo: string;
  installationId: number;
  refs: Array<{ ref: string; before: string | null; after: string | null }>;
  at: number;
};

export type StandInState = {
  users: StandInUser[];
  installations: StandInInstallation[];
  repos: StandInRepo[];
  issues: StandInIssue[];
  comments: StandInComment[];
  reactions: StandInReaction[];
  pulls: StandInPull[];
  tokens: StandInToken[];
  pushes: StandInPush[];
  nextId: number;
};

export function createStandInState(): StandInState {
  return {
    users: [],
    installations: [],
    repos: [],
    issues: [],
    comments: [],
    reactions: [],
    pulls: [],
    tokens: [],
    pushes: [],
    nextId: 1001,
  };
}
