/**
 * Runs the pinned Codex CLI (`codex exec --json`) on one prompt in a checkout and turns its JSONL
 * output into wire events. The CLI is the native binary that the `@openai/codex` package installs
 * for this platform; it gets only the environment the caller built (see {@link codexEnv}), never this
 * process's, and a configuration this runner writes for the run (see {@link codexConfigToml}).
 */
import { closeSync, constants, lstatSync, mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import type { EventInput } from "../../core/wire.js";
import type { AgentOptions, AgentResult } from "./agent.js";
import { createCodexStream } from "./codex-stream.js";
import { runAgentCli } from "./run-agent-cli.js";

/**
 * The model when the run names none. Pinned here rather than left to the CLI, whose default moves
 * with its version: gpt-5.5 is in 0.169.0's bundled model catalog, with the freeform `apply_patch`
 * tool, and is what the reference capture used. (A model missing from the catalog still runs, after
 * a warning, but without `apply_patch`: Codex then edits files through shell commands.)
 */
export const DEFAULT_CODEX_MODEL = "gpt-5.5";

/** The model API when the environment names none. */
const OPENAI_BASE_URL = "https://api.openai.com/v1";
/** Retries of a failed model request and of a dropped stream, unless the environment says otherwise. */
const DEFAULT_MAX_RETRIES = 2;

/** What `codex exec` prints on stderr whenever stdin is not a terminal; it says nothing about a failure. */
const STDIN_NOTICE = "Reading additional input from stdin...";

const TRIPLES: Record<string, string> = {
  "linux-x64": "x86_64-unknown-linux-musl",
  "linux-arm64": "aarch64-unknown-linux-musl",
};

/**
 * Absolute path of the native CLI from the pinned npm packages (no download at run time). It is
 * spawned directly: the package's `bin/codex.js` would keep a Node process between us and the CLI.
 */
export function codexBinary(): string {
  const triple = TRIPLES[`${process.platform}-${process.arch}`];
  if (!triple) throw new Error(`Codex is not installed for ${process.platform}-${process.arch}`);
  const main = createRequire(import.meta.url).resolve("@openai/codex/package.json");
  const pkg = createRequire(main).resolve(`@openai/codex-${process.platform}-${process.arch}/package.json`);
  return join(dirname(pkg), "vendor", triple, "bin", "codex");
}

/**
 * The whole environment for a Codex run: a HOME and TMPDIR of the sandbox's own, CODEX_HOME inside
 * that HOME (where the runner writes the run's config.toml, and Codex its sessions and logs), and
 * the model endpoint as OPENAI_BASE_URL / OPENAI_API_KEY, which the config then points Codex at.
 * Tests pass `maxRetries: 0` (UNDERSTUDY_CODEX_MAX_RETRIES, read by the runner: Codex has no variable
 * of its own for it) so a failing model API fails at once instead of after seconds of backoff.
 */
export function codexEnv(base: {
  home: string;
  tmpdir: string;
  path: string;
  model: { baseUrl?: string; apiKey?: string };
  maxRetries?: number;
}): Record<string, string> {
  const env: Record<string, string> = {
    HOME: base.home,
    TMPDIR: base.tmpdir,
    PATH: base.path,
    CODEX_HOME: join(base.home, ".codex"),
    LANG: "C.UTF-8",
  };
  if (base.model.baseUrl) env.OPENAI_BASE_URL = base.model.baseUrl;
  if (base.model.apiKey) env.OPENAI_API_KEY = base.model.apiKey;
  if (base.maxRetries !== undefined) env.UNDERSTUDY_CODEX_MAX_RETRIES = String(base.maxRetries);
  return env;
}

/**
 * The run's `$CODEX_HOME/config.toml`, from its environment. Every key was checked against 0.169.0
 * (the runner passes `--strict-config`, so a key the CLI no longer knows fails the run loudly):
 * - a `model_provider` of our own speaking the Responses API (`wire_api = "responses"`; Codex
 *   rejects "chat") at OPENAI_BASE_URL, its key read from OPENAI_API_KEY (`env_key`), and retries
 *   bounded; `features.unbounded_connection_retries` off, or an unreachable API is retried forever
 *   ("Reconnecting... waiting for network") whatever the provider says;
 * - no traffic but the model API: `analytics.enabled = false` (else a lookup of ab.chatgpt.com) and
 *   `features.plugins = false` (else of api.github.com and chatgpt.com), seen with strace;
 * - `allow_login_shell = false`: commands run with `bash -c`, as `bash -lc` would source /etc/profile
 *   and replace the PATH the sandbox gave;
 * - the model API key is kept out of the commands the agent runs (`shell_environment_policy`), so
 *   an `env` in a transcript does not show it;
 * - `check_for_update_on_startup = false`: the version is pinned, a newer one is of no use here.
 */
export function codexConfigToml(env: Record<string, string>, model: string): string {
  const retries = Number.parseInt(env.UNDERSTUDY_CODEX_MAX_RETRIES ?? "", 10);
  const maxRetries = Number.isInteger(retries) && retries >= 0 ? retries : DEFAULT_MAX_RETRIES;
  const provider = [
    "[model_providers.understudy]",
    `name = "Understudy model API"`,
    `base_url = ${toml(env.OPENAI_BASE_URL || OPENAI_BASE_URL)}`,
    `wire_api = "responses"`,
    ...(env.OPENAI_API_KEY ? [`env_key = "OPENAI_API_KEY"`] : []),
    `request_max_retries = ${maxRetries}`,
    `stream_max_retries = ${maxRetries}`,
  ];
  return [
    "# Written by Understudy for this run (src/sandbox/agents/codex.ts); rewritten on every run.",
    `model = ${toml(model)}`,
    `model_provider = "understudy"`,
    "allow_login_shell = false",
    "check_for_update_on_startup = false",
    "",
    ...provider,
    "",
    "[shell_environment_policy]",
    `exclude = ["OPENAI_API_KEY"]`,
    "",
    "[analytics]",
    "enabled = false",
    "",
    "[features]",
    "plugins = false",
    "unbounded_connection_retries = false",
    "",
  ].join("\n");
}

/** A TOML basic string: JSON's escapes (\" \\ \n \uXXXX) are all valid TOML. */
const toml = (s: string) => JSON.stringify(s);

/**
 * Runs `codex exec --json --dangerously-bypass-approvals-and-sandbox -C <cwd> -- <prompt>` with
 * stdin at /dev/null and exactly `opts.env`, calling `onEvent` for every mapped event in order.
 * Codex's own sandbox is bypassed because the bridge isolates the whole run; `--strict-config` makes
 * a config key this CLI does not know an error rather than silently ignored. Resolves, never
 * rejects: success only when the stream ended its turn well (see parseCodexResult) and the CLI
 * exited 0. The CLI runs as PID 1 of a PID namespace of its own (or inside the bridge's `wrap`), so
 * when it exits, is stopped (the signal) or crashes, nothing it started outlives the run. If
 * `onEvent` throws, the run is stopped and reported as failed, since events after that would be lost.
 */
export function runCodex(opts: AgentOptions, onEvent: (e: EventInput) => void): Promise<AgentResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const failed = (error: string): Promise<AgentResult> =>
    Promise.resolve({ success: false, error, durationMs: elapsed(), exitCode: null });
  if (opts.signal?.aborted) return failed("Stopped before Codex started");
  // Not offered: a resumed thread's usage would count its earlier runs again (conversation-file.ts).
  // Failing before any turn makes the bridge start a new conversation with the whole prompt.
  if (opts.resume) return failed("Codex does not continue an earlier conversation here");

  const cwd = resolve(opts.cwd);
  let binary: string;
  try {
    binary = codexBinary();
    writeConfig(opts.env, opts.model ?? DEFAULT_CODEX_MODEL);
  } catch (err) {
    return failed(`Could not start Codex: ${err instanceof Error ? err.message : String(err)}`);
  }
  const args = [
    "exec",
    "--json",
    "--strict-config",
    "--dangerously-bypass-approvals-and-sandbox",
    "-C",
    cwd,
    // The prompt is text, never an option, even when it starts with "-".
    "--",
    opts.prompt,
  ];
  const stream = createCodexStream({ cwd });
  return runAgentCli(
    opts,
    {
      name: "Codex",
      command: { command: binary, args },
      cwd,
      mapLine: (obj) => stream.map(obj),
      result: () => stream.result(),
      missingResult: "finishing its turn",
      noise: (line) => line.trim() === STDIN_NOTICE,
    },
    onEvent,
    started,
  );
}

/** Writes the run's config.toml into the CODEX_HOME of `env`, which {@link codexEnv} always sets. */
function writeConfig(env: Record<string, string>, model: string): void {
  const home = env.CODEX_HOME;
  if (!home) throw new Error("its environment has no CODEX_HOME (build it with codexEnv)");
  mkdirSync(home, { recursive: true, mode: 0o700 });
  // Setup commands ran in the sandbox first and could have left a symlink here: never write through
  // one (this runs in the bridge, outside the sandbox).
  if (!lstatSync(home).isDirectory()) throw new Error(`${home} is not a directory`);
  const file = join(home, "config.toml");
  rmSync(file, { force: true });
  const fd = openSync(
    file,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    writeFileSync(fd, codexConfigToml(env, model));
  } finally {
    closeSync(fd);
  }
}
