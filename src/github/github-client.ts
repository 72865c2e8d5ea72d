/**
 * The Octokit the app's handlers use: Probot's, authenticated as the installation, with the request
 * policy (retry, redaction) of worker/session/github-clients.ts.
 */
import type { Context } from "probot";

export type GitHubClient = Context["octokit"];
