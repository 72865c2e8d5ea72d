/**
 * The answer to `help`, to a bare call, and to anything the grammar cannot read (src/core/parse-command.ts):
 * the commands, the flags and the config file with its keys. Pure, so it is tested as text.
 */
import { AGENTS } from "../core/parse-command.js";
import { CONFIG_FILE, DEFAULT_LABEL } from "./repo-config.js";

export type HelpInput = {
  handle: string;
  /** The label that starts a session here. */
  label: string;
  /** Why this is the answer (an unknown word or flag), when it was not asked for. */
  problem?: string | null;
};

export function helpText({ handle, label, problem }: HelpInput): string {
  const at = `@${handle}`;
  return [
    ...(problem ? [`${problem} Here is what I understand:`, ""] : []),
    `Call me with a task and I work on it in a sandbox, then open a pull request. For example:`,
    "",
    // Code spans throughout: a handle set in the config may be somebody's login, who must not be pinged.
    `\`${at} add a CONTRIBUTING.md that explains how to run the tests\``,
    "",
    `Call me with \`${at} …\` anywhere in a comment, or \`/${handle} …\` at the start of a line, in issues, pull requests, review comments on the diff (I answer in that thread) and review summaries. A new issue whose description calls me, or an issue labelled \`${label}\`, starts a session too. I edit one status comment as I go; a request made while I am working waits its turn and runs next, on the same branch.`,
    "",
    "**Commands** (the word alone after my name):",
    `- \`${at} stop\`: stop the current run (its work is kept on the branch) and clear the queue`,
    `- \`${at} status\`: what I am doing now, and what is queued`,
    `- \`${at} retry\`: the last request again`,
    `- \`${at} help\`: this text`,
    "",
    "**Flags** (anywhere in a task; write other `--words` in backticks):",
    "- `--model <name>`: the model the agent uses",
    `- \`--agent <name>\`: the agent (${AGENTS.map((a) => `\`${a}\``).join(", ")})`,
    "- `--base <branch>`: the branch to start from and to open the pull request against",
    "- `--draft`: open the pull request as a draft",
    "",
    `**Settings** in \`${CONFIG_FILE}\` (or the same file in the owner's \`.github\` repository); flags win over them:`,
    "```yaml",
    "agent: claude-code          # the agent",
    "model: claude-sonnet-4-5    # the model",
    `handle: ${handle.padEnd(19)} # the name to call me by here`,
    `label: ${DEFAULT_LABEL.padEnd(20)} # the label that starts a session on an issue`,
    "branch_prefix: understudy   # branches are <prefix>/<issue>-<title>",
    "draft: false                # open pull requests as drafts",
    "time_limit_minutes: 30      # a run's time limit",
    "allowed_users: [alice, bob] # only these may call me (they still need write access)",
    "allowed_bots: [renovate]    # bots that may call me (no bot may otherwise)",
    "setup: [npm ci]             # run in the sandbox before the agent",
    "network:                    # hosts the sandbox may reach besides the model API",
    "  allow: [registry.npmjs.org]",
    "max_turns: 150              # a run's budget of model turns",
    "max_cost_usd: 10            # a run's budget in dollars (as the agent reports it)",
    "allow_workflow_changes: false  # push changes to .github/workflows/ too",
    "```",
    "Only people with write access to this repository can ask me for changes.",
  ].join("\n");
}
