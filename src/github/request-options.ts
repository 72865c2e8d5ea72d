/**
 * A run's options: the prompt's flags over the repository's config; what neither sets is left to the
 * deployment's defaults (worker/config.ts), which also cap the time limit.
 */
import type { PromptFlags } from "../core/parse-command.js";
import type { StartSessionRequest } from "../core/start-session-request.js";
import type { RepoConfig } from "./repo-config.js";

export function requestOptions(config: RepoConfig, flags: PromptFlags): StartSessionRequest["options"] {
  const options: StartSessionRequest["options"] = {};
  const model = flags.model ?? config.model;
  const agent = flags.agent ?? config.agent;
  const draft = flags.draft ?? config.draft;
  if (model !== undefined) options.model = model;
  if (agent !== undefined) options.agent = agent;
  if (flags.base !== undefined) options.base = flags.base;
  if (draft !== undefined) options.draft = draft;
  if (config.branch_prefix !== undefined) options.branchPrefix = config.branch_prefix;
  if (config.time_limit_minutes !== undefined) options.timeLimitMs = config.time_limit_minutes * 60_000;
  if (config.setup?.length) options.setup = config.setup;
  if (config.network?.allow.length) options.networkAllow = config.network.allow;
  if (config.allow_workflow_changes) options.allowWorkflowChanges = true;
  if (config.max_turns !== undefined) options.maxTurns = config.max_turns;
  if (config.max_cost_usd !== undefined) options.maxCostUsd = config.max_cost_usd;
  return options;
}
