/**
 * The GitHub side of one SessionDO: its own Probot (the app's handlers and installation-token cache)
 * and its Octokits. Built per Durable Object instance, never per isolate: Probot's default throttling
 * plugin keeps its Bottleneck queues in module-level state, shared by every request of an isolate,
 * so a write queued by one request was resolved from another's context and workerd cancelled it
 * (eight concurrent deliveries, seven silently lost). Within one Durable Object, requests share an
 * I/O context, so a per-object client is safe. Retries and redaction come from requestPolicy.
 */
import { Probot, ProbotOctokit } from "probot";
import { requestPolicy } from "../../src/github/request-policy.js";
import type { Config } from "../config.js";
import type { GitHubClient } from "./session-deps.js";

/**
 * Probot hands every Octokit it builds its own throttle options, which would replace a plain
 * `{ throttle: { enabled: false } }` default; the function form applies ours last, so they win.
 */
export const UnderstudyOctokit = ProbotOctokit.plugin(requestPolicy()).defaults(
  (options: Record<string, unknown>) => ({
    ...options,
    throttle: { ...(options.throttle as object | undefined), enabled: false },
    retry: { enabled: false },
  }),
);

export type GitHubClients = {
  probot: Probot;
  installation(installationId: number): Promise<GitHubClient>;
  app(): Promise<GitHubClient>;
};

export function createGitHubClients(config: Config): GitHubClients {
  const probot = new Probot({
    appId: config.APP_ID,
    privateKey: config.PRIVATE_KEY,
    secret: config.WEBHOOK_SECRET,
    baseUrl: config.GITHUB_API_URL,
    Octokit: UnderstudyOctokit,
    logLevel: "info",
  });
  return {
    probot,
    installation: async (id) => (await probot.auth(id)) as unknown as GitHubClient,
    app: async () => (await probot.auth()) as unknown as GitHubClient,
  };
}
