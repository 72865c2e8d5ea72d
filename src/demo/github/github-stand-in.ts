import type { EventEmitter } from "node:events";
import type { AppManifests } from "./create-app-manifests.js";
import type { InjectedFault } from "./injected-fault.js";
import type { TokenRequest } from "./issue-installation-token.js";
import type { StandInEvents } from "./stand-in-context.js";
import type {
  AppPermissions,
  Permission,
  StandInComment,
  StandInInstallation,
  StandInIssue,
  StandInRepo,
  StandInState,
  StandInToken,
  StandInUser,
} from "./stand-in-state.js";
import type { WebhookPayloadKind, WebhookPayloadMap, WebhookPayloadParams } from "./webhook-payload.js";

export type LogEntry = {
  method: string;
  /** Path without the query string, e.g. `/api/v3/repos/o/r/issues/1/comments`. */
  path: string;
  /** The query string with its `?`, when there was one. */
  query?: string;
  status: number;
  /** When the request arrived: performance.timeOrigin + performance.now(). */
  at: number;
  /** The parsed JSON request body of an API call, when it had one. */
  body?: unknown;
};

/** A small GitHub (Enterprise Server layout) on loopback: REST under /api/v3, git over smart HTTP. */
export type GitHubStandIn = {
  /** `http://127.0.0.1:PORT`: GITHUB_URL for the bot; clone URLs are `${url}/<owner>/<repo>.git`. */
  url: string;
  /** `${url}/api/v3`: GITHUB_API_URL for the bot. */
  apiUrl: string;
  app: { id: number; slug: string; botLogin: string; privateKeyPkcs8: string };
  state: StandInState;
  log: LogEntry[];
  /**
   * "METHOD /path" of every request no handler matched (answered 404) or that crashed a handler
   * (answered 500). Tests assert it is empty, like msw's onUnhandledRequest: "error".
   */
  unhandled: string[];
  /**
   * "METHOD /path?query: problems" of every API request GitHub's OpenAPI description does not
   * document (unknown path or method, undocumented query parameter or body field, missing required
   * field, wrong type). Such requests are still answered. Tests assert it is empty next to `unhandled`.
   */
  undocumented: string[];
  events: EventEmitter<StandInEvents>;
  /** The App-manifest flow: `complete(manifest)` mints the code GitHub's redirect would carry. */
  appManifests: AppManifests;

  createInstallation(opts: { account: string; permissions?: AppPermissions }): StandInInstallation;
  createRepo(opts: {
    owner: string;
    name: string;
    defaultBranch?: string;
    private?: boolean;
    files: Record<string, string>;
    installationId: number;
  }): Promise<StandInRepo>;
  setPermission(owner: string, repo: string, login: string, permission: Permission): void;
  createUser(login: string, type?: StandInUser["type"]): StandInUser;
  createIssue(opts: {
    owner: string;
    repo: string;
    title: string;
    body?: string | null;
    user: string;
  }): StandInIssue;
  createIssueComment(opts: {
    owner: string;
    repo: string;
    issueNumber: number;
    body: string;
    user: string;
  }): StandInComment;
  /** Mints an installation token directly, without a JWT round trip (throws on GitHub's errors). */
  createInstallationToken(installationId: number, request?: TokenRequest): StandInToken;

  webhookPayload<K extends WebhookPayloadKind>(kind: K, params: WebhookPayloadParams): WebhookPayloadMap[K];
  /** Answers the next `times` matching API requests with a failure instead of handling them. */
  injectFault(fault: InjectedFault): void;
  /** Runs git in the bare repository; resolves to stdout without its trailing newline. */
  git(owner: string, repo: string, ...args: string[]): Promise<string>;
  close(): Promise<void>;
};
