/**
 * Per-repository settings: `.github/understudy.yml` on the default branch, read with Probot's
 * `context.config` (which falls back to the same file in the owner's `.github` repository and
 * follows `_extends`). Keys are snake_case, as YAML files on GitHub usually are. Unknown keys are
 * refused, so a misspelt key is reported instead of silently doing nothing. A missing file means
 * every default; an invalid one stops the run and is answered with what is wrong, key by key.
 */
import * as z from "zod";
import { isPublicHostRule, parseHostRule } from "../core/host-allowlist.js";
import { AGENTS, isBranchName, MODEL_NAME } from "../core/parse-command.js";

/** The label that starts a session on an issue when the config names none. */
export const DEFAULT_LABEL = "understudy";
export const CONFIG_FILE = ".github/understudy.yml";

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const BOT_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;
/** GitHub caps label names at 50 characters. */
const LABEL_MAX = 50;
const MAX_MINUTES = 24 * 60;

const logins = (pattern: RegExp, what: string) =>
  z.array(z.string().regex(pattern, `each entry must be a ${what}`), {
    error: `must be a list of ${what}s`,
  });

export const RepoConfig = z.strictObject({
  /** The agent that runs (`--agent` wins). */
  agent: z.enum(AGENTS, { error: `must be one of: ${AGENTS.join(", ")}` }).optional(),
  /** The model the agent uses (`--model` wins). */
  model: z.string({ error: "must be a model name" }).regex(MODEL_NAME, "must be a model name").optional(),
  /** The name people call the bot by here, instead of the App's slug. */
  handle: z
    .string({ error: "must be a GitHub login" })
    .regex(LOGIN, "must be a GitHub login: letters, digits and hyphens")
    .optional(),
  /** The label that starts a session when added to an issue. */
  label: z
    .string({ error: "must be a label name" })
    .min(1, "must not be empty")
    .max(LABEL_MAX, `must be at most ${LABEL_MAX} characters (GitHub's limit)`)
    .optional(),
  /** Branches are `<branch_prefix>/<issue>-<slug>`. */
  branch_prefix: z
    .string({ error: "must be a branch name prefix" })
    .refine(isBranchName, "must be a valid branch name prefix, e.g. `understudy` or `bots/understudy`")
    .optional(),
  /** Open pull requests as drafts (`--draft` sets it for one request). */
  draft: z.boolean({ error: "must be true or false" }).optional(),
  /**
   * Commands that prepare the checkout before the agent starts (`npm ci`), run in order inside the
   * sandbox; one that fails ends the run with its output.
   */
  setup: z
    .array(z.string().min(1, "must not be empty"), { error: "must be a list of commands" })
    .max(50, "must be at most 50 commands")
    .optional(),
  /** A run's budget of model turns (default 150); the agent stops when it is reached. */
  max_turns: z
    .number({ error: "must be a whole number of turns from 1 to 10000" })
    .int("must be a whole number of turns from 1 to 10000")
    .min(1, "must be a whole number of turns from 1 to 10000")
    .max(10_000, "must be a whole number of turns from 1 to 10000")
    .optional(),
  /** A run's budget in US dollars of model use, as the agent reports it (default 10). */
  max_cost_usd: z
    .number({ error: "must be an amount of dollars above 0, at most 1000" })
    .positive("must be an amount of dollars above 0, at most 1000")
    .max(1000, "must be an amount of dollars above 0, at most 1000")
    .optional(),
  /** Push the agent's changes to `.github/workflows/` too (off by default: they are left out, and said). */
  allow_workflow_changes: z.boolean({ error: "must be true or false" }).optional(),
  /** What the sandbox may reach besides the model API: `allow: [registry.npmjs.org, "*.pypi.org"]`. */
  network: z
    .strictObject({
      allow: z
        .array(
          z.string({ error: "each entry must be a host name, host:port or *.domain" }).refine(isHostRule, {
            error: "each entry must be a public host name, host:port or *.domain (no addresses or localhost)",
          }),
          { error: "must be a list of hosts" },
        )
        .max(100, "must be at most 100 hosts"),
    })
    .optional(),
  /** A run's time limit; the deployment's own limit still caps it. */
  time_limit_minutes: z
    .number({ error: `must be a whole number of minutes from 1 to ${MAX_MINUTES}` })
    .int(`must be a whole number of minutes from 1 to ${MAX_MINUTES}`)
    .min(1, `must be a whole number of minutes from 1 to ${MAX_MINUTES}`)
    .max(MAX_MINUTES, `must be a whole number of minutes from 1 to ${MAX_MINUTES}`)
    .optional(),
  /** When set, only these people may call the bot (they still need write access). */
  allowed_users: logins(LOGIN, "GitHub login").optional(),
  /** Bots (GitHub Apps, by login) that may call the bot; no bot may otherwise, this App never. */
  allowed_bots: logins(BOT_LOGIN, "bot login").optional(),
});
export type RepoConfig = z.infer<typeof RepoConfig>;

/** A rule a repository may set: a public host name (no address, no loopback name). */
function isHostRule(rule: string): boolean {
  try {
    return isPublicHostRule(parseHostRule(rule));
  } catch {
    return false;
  }
}

export const CONFIG_KEYS = Object.keys(RepoConfig.shape) as Array<keyof RepoConfig>;

/** One thing wrong with the file: where (a key path, or null for the file as a whole) and what. */
export type ConfigProblem = { path: string | null; message: string };

export type LoadedConfig = { ok: true; config: RepoConfig } | { ok: false; problems: ConfigProblem[] };

/** Checks what `context.config` returned (null: no file anywhere). */
export function checkRepoConfig(raw: unknown): LoadedConfig {
  if (raw === null || raw === undefined) return { ok: true, config: {} };
  const parsed = RepoConfig.safeParse(raw);
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, problems: parsed.error.issues.flatMap(describeIssue) };
}

function describeIssue(issue: z.core.$ZodIssue): ConfigProblem[] {
  const path = issue.path.length > 0 ? issue.path.map(String).join(".") : null;
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      path: path ? `${path}.${key}` : key,
      message: `is not a setting; the settings are ${CONFIG_KEYS.join(", ")}`,
    }));
  }
  if (path === null && issue.code === "invalid_type")
    return [{ path: null, message: "must be a mapping of settings (`key: value` lines)" }];
  return [{ path, message: issue.message }];
}

/** The Octokit config plugin's errors (a YAML syntax error, a directory in the file's place). */
const PLUGIN_ERROR = /^\[@probot\/octokit-plugin-config\]/;

/**
 * Reads and checks the config. A file that cannot be parsed is a problem of the file; a failing
 * GitHub request is thrown, so the delivery is tried again (worker/session/inbox.ts).
 */
export async function loadRepoConfig(read: () => Promise<unknown>): Promise<LoadedConfig> {
  let raw: unknown;
  try {
    raw = await read();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!PLUGIN_ERROR.test(message)) throw error;
    // The YAML parser's own message says where (line and column).
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? cause.message : null;
    const what = message.replace(PLUGIN_ERROR, "").trim();
    return { ok: false, problems: [{ path: null, message: detail ? `${what}: ${detail}` : what }] };
  }
  return checkRepoConfig(raw);
}
