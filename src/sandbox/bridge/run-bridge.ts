/**
 * One run of a session inside the sandbox: connect the event stream, clone, run the agent, then
 * commit and push whatever it left, whatever happened to it. Every outcome ends in an
 * `execution_complete` event; nothing is thrown past `runBridge`.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { lstat, rm } from "node:fs/promises";
import { join } from "node:path";
import { countTurn, newTurnCounter } from "../../core/count-turns.js";
import { isPublicHostRule, loopbackEndpoints, parseHostRule, ruleForUrl } from "../../core/host-allowlist.js";
import { redactDeep } from "../../core/redact.js";
import type { EventInput, SandboxSpec } from "../../core/wire.js";
import type { Agent, AgentResult } from "../agents/agent.js";
import type { CommandWrapper } from "../agents/agent-command.js";
import { claudeCodeEnv } from "../agents/claude-code.js";
import { bubblewrapCommand, bubblewrapWorks, proxyEnv } from "../isolation/bubblewrap.js";
import { type NetworkProxy, startNetworkProxy } from "../isolation/network-proxy.js";
import { createRunCgroup, type RunLimits } from "../isolation/run-cgroup.js";
import { commitAndPush } from "./commit-and-push.js";
import { createEventStream, type EventStreamOptions, sandboxSocketUrl } from "./event-stream.js";
import { fetchGitToken } from "./fetch-git-token.js";
import { git } from "./git.js";
import { type BridgeLog, silentLog } from "./log.js";
import { openSessionHome, type SessionHome } from "./open-session-home.js";
import { type Checkout, prepareCheckout } from "./prepare-checkout.js";
import { markRunEnded, type RunPhase, recordOf, writeRunRecord } from "./run-record.js";
import { runSetupCommands } from "./run-setup-commands.js";
import { appendNoFollow, sealCheckout, snapshotGitConfig } from "./seal-checkout.js";
import { recordSetupChanges, type SetupChange } from "./setup-changes.js";

export type ModelEnv = { baseUrl?: string; apiKey?: string };

/** How the agent runs: inside bubblewrap with the network allowlist, or as a plain process. */
export type Isolation = "bubblewrap" | "none";

/** The model API an agent talks to when no base URL is configured (it must be on the allowlist). */
export const DEFAULT_MODEL_URL = "https://api.anthropic.com";

export type BridgeDeps = {
  agent: Agent;
  /** The agent's whole environment, from the sandbox's HOME and TMPDIR (default: Claude Code's). */
  agentEnv?: (base: {
    home: string;
    tmpdir: string;
    path: string;
    model: ModelEnv;
  }) => Record<string, string>;
  /** Default `none`: the bridge's own tests run stand-in agents; the bridge process says `bubblewrap`. */
  isolation?: Isolation;
  /** Host paths the agent needs to see inside bubblewrap, read-only (its CLI's installed package). */
  agentReadOnly?: readonly string[];
  /** Where the agent's model API is when modelEnv names none (default {@link DEFAULT_MODEL_URL}). */
  defaultModelUrl?: string;
  /** Memory and process-count limits of the agent's sandbox (a cgroup, where the host allows one). */
  limits?: RunLimits;
  /**
   * The sandbox's directory: the checkout goes to `repo/`, the agent gets `tmp/`, and `home/` unless
   * the session's home is had (`sessionDir`).
   */
  workDir: string;
  /**
   * The session's directory on this host (UNDERSTUDY_SESSION_DIR, see open-session-home.ts): its
   * `home/` is the agent's HOME in every run of the session that can lock it, so a follow-up
   * continues the agent's own conversation. Unset: the sandbox's `home/`, a new conversation a run.
   */
  sessionDir?: string;
  /** How long to wait for another run of the session to let go of the session's home (default 5 s). */
  sessionLockWaitMs?: number;
  modelEnv: ModelEnv;
  log?: BridgeLog;
  /** Aborting it ends the run like a `stop` message (the bridge's SIGTERM handler uses it). */
  signal?: AbortSignal;
  /** Overrides of the event stream's timing, for tests. */
  stream?: Partial<Omit<EventStreamOptions, "url" | "token" | "startSeq" | "onControl" | "onFailed" | "log">>;
  /** How long to wait at the end for the control plane to acknowledge every event. */
  drainTimeoutMs?: number;
  /** How long an agent gets to return after it was aborted before the bridge moves on without it. */
  agentAbortGraceMs?: number;
  heartbeatMs?: number;
};

export type BridgeResult = {
  /** 0 when every event reached the control plane; the agent's success does not change it. */
  exitCode: number;
  success: boolean;
  pushed: boolean;
  error?: string;
};

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export async function runBridge(spec: SandboxSpec, deps: BridgeDeps): Promise<BridgeResult> {
  const started = Date.now();
  const log = deps.log ?? silentLog;
  const abort = new AbortController();
  // Set from callbacks (stop message, timer, lost stream), so kept in an object the compiler won't narrow.
  const state: { endReason: string | null; streamError: Error | null } = {
    endReason: null,
    streamError: null,
  };
  const end = (reason: string) => {
    state.endReason ??= reason;
    abort.abort(new Error(reason));
  };
  const stream = createEventStream({
    ...deps.stream,
    url: sandboxSocketUrl(spec.controlUrl, spec.sessionId),
    token: spec.token,
    startSeq: spec.startSeq,
    log,
    onControl: (msg) => {
      if (msg.type === "stop") end(`Stopped${msg.reason ? `: ${msg.reason}` : ""}`);
      // A follow-up prompt while a run is going becomes the next run (queued by the control plane).
      else if (msg.type === "prompt") log.warn("ignored a prompt message: follow-ups run as a new run");
    },
    onFailed: (err) => {
      state.streamError = err;
      end("Lost the connection to the control plane");
    },
  });
  // Secrets are redacted by the control plane too; doing it here keeps them off the wire at all.
  const secrets = [spec.token, deps.modelEnv.apiKey ?? ""].filter((s) => s.length >= 8);
  const emit = (e: EventInput) => stream.emit(redactDeep(e, secrets));

  const onOuterAbort = () => end("Stopped: the sandbox was shut down");
  if (deps.signal?.aborted) onOuterAbort();
  deps.signal?.addEventListener("abort", onOuterAbort, { once: true });
  // The limit covers cloning and the agent; committing and pushing always run after it.
  const timeLimit = setTimeout(
    () => end(`Time limit of ${formatDuration(spec.timeLimitMs)} reached`),
    spec.timeLimitMs,
  );
  const heartbeat = setInterval(
    () => emit({ type: "heartbeat", data: {} }),
    deps.heartbeatMs ?? spec.heartbeatMs ?? 30_000,
  );

  const errors: string[] = [];
  const fail = (what: string, err: unknown) => {
    const text = `${what}: ${message(err)}`;
    errors.push(text);
    log.error(text);
    emit({ type: "error", data: { message: text } });
  };
  let agentResult: AgentResult | null = null;
  let pushed = false;
  let pushOk = false;
  let endedEarly: string | null = null;
  let closeSandbox: () => Promise<void> | undefined = () => undefined;
  // The next run's spare checkout (prepare-spare.ts), made at low priority while the agent works.
  let spare: Promise<void> | undefined;
  // Tracked files the setup commands changed, kept out of the agent's commit (setup-changes.ts).
  let setupChanges: SetupChange[] = [];
  let session: SessionHome | null = null;
  // For a bridge started again after this one dies (recover-run.ts): the checkout and the phase.
  let recordRun: (phase: RunPhase) => void = () => undefined;

  try {
    emit({ type: "sandbox_status", data: { status: "starting" } });
    let checkout: Checkout | null = null;
    let gitConfig: Buffer | null = null;
    if (!abort.signal.aborted) {
      emit({ type: "sandbox_status", data: { status: "cloning" } });
      try {
        const { token } = await fetchGitToken({
          controlUrl: spec.controlUrl,
          sessionId: spec.sessionId,
          sandboxToken: spec.token,
          signal: abort.signal,
        });
        checkout = await prepareCheckout(spec, join(deps.workDir, "repo"), token, abort.signal);
        spare = checkout.spare;
        gitConfig = await snapshotGitConfig(checkout.repoDir);
        const made = { checkout, gitConfig };
        recordRun = (phase) => {
          try {
            writeRunRecord(
              deps.workDir,
              recordOf(
                spec.sessionId,
                spec.run,
                phase,
                made.checkout,
                made.gitConfig,
                state.endReason,
                setupChanges,
              ),
            );
          } catch (err) {
            log.warn(`could not write the run record: ${message(err)}`);
          }
        };
        recordRun("setup");
        const { branch, base, headSha, created } = checkout;
        emit({ type: "git_sync", data: { branch, base, headSha, created } });
        log.info(`checked out ${branch} at ${headSha.slice(0, 12)} (${created ? "new" : "existing"} branch)`);
        emit({ type: "sandbox_status", data: { status: "ready" } });
      } catch (err) {
        fail("Could not prepare the checkout", err);
      }
    }

    // The agent's HOME, here so setup commands see the one the agent will.
    if (checkout && !abort.signal.aborted) {
      session = await openSessionHome({
        ...(deps.sessionDir ? { sessionDir: deps.sessionDir } : {}),
        runHome: join(deps.workDir, "home"),
        agent: spec.agent,
        run: spec.run,
        lockWaitMs: deps.sessionLockWaitMs ?? SESSION_LOCK_WAIT_MS,
        log,
        signal: abort.signal,
      });
    }
    const home = session?.home ?? join(deps.workDir, "home");

    let sandbox: AgentSandbox | null = null;
    if (checkout && !abort.signal.aborted) {
      try {
        sandbox = await openSandbox(spec, deps, checkout, home, emit);
        closeSandbox = () => sandbox?.close();
      } catch (err) {
        fail("Could not set up the sandbox", err);
      }
    }

    let setupFailed = false;
    if (checkout && sandbox && spec.setup?.length && !abort.signal.aborted) {
      const failure = await runSetupCommands({
        commands: spec.setup,
        cwd: checkout.repoDir,
        // The agent's environment without the model key: an install script has no use for it.
        env: withoutModelKeys({ ...agentEnv(deps, home), ...sandbox.env }),
        ...(sandbox.wrap ? { wrap: sandbox.wrap } : {}),
        signal: abort.signal,
        emit,
        warn: (m) => (deps.log ?? silentLog).warn(m),
      });
      // Ended during setup (stop, time limit): what it left is no one's work, and nothing is pushed.
      if (abort.signal.aborted) setupFailed = true;
      if (failure) {
        setupFailed = true;
        errors.push(failure);
        emit({ type: "error", data: { message: failure } });
      } else {
        await ignoreSetupOutput(checkout.repoDir).catch((err) =>
          (deps.log ?? silentLog).warn(`could not keep the setup's files out of the commit: ${message(err)}`),
        );
        // Sealed first: setup ran in the sandbox and could have written .git before the bridge's git reads.
        const sealed = gitConfig;
        await (sealed
          ? sealCheckout(checkout.repoDir, sealed, checkout.objectDirs ?? []).then(async () => {
              setupChanges = await recordSetupChanges(checkout!.repoDir);
            })
          : Promise.resolve()
        ).catch((err) =>
          (deps.log ?? silentLog).warn(
            `could not record what setup changed in tracked files: ${message(err)}`,
          ),
        );
      }
    }

    if (checkout && sandbox && !setupFailed && !abort.signal.aborted) {
      recordRun("agent");
      emit({ type: "sandbox_status", data: { status: "running_agent" } });
      const resume = session?.resume ?? null;
      const fresh = { prompt: spec.prompt };
      // A continued conversation already holds the earlier runs: it gets the new request alone.
      const first = resume ? { prompt: spec.request ?? spec.prompt, resume: resume.conversationId } : fresh;
      emit({
        type: "user_message",
        data: { text: first.prompt, ...(resume ? { continuesRun: resume.run } : {}) },
      });
      const run = (attempt: typeof first, holdBack: boolean) =>
        runAgent(
          spec,
          deps,
          attempt,
          { repoDir: checkout.repoDir, home, holdBack },
          sandbox,
          abort.signal,
          emit,
          end,
        );
      let attempt = await run(first, resume !== null);
      // A conversation that cannot be continued (the CLI found none, or choked on it) fails before
      // the model's first turn: what it printed is dropped, and the run starts over, once, fresh.
      if (resume && !attempt.result.success && attempt.turns === 0 && !abort.signal.aborted) {
        log.warn(
          `could not continue the agent's conversation of run ${resume.run} (${attempt.result.error ?? "it failed"}): starting a new one`,
        );
        emit({ type: "user_message", data: { text: fresh.prompt } });
        attempt = await run(fresh, false);
      } else attempt.flush();
      agentResult = attempt.result;
      // Also after a failure or a stop: the conversation exists, and the next run can continue it.
      if (session?.shared && agentResult.conversationId) session.save(agentResult.conversationId);
      const killedBy = sandbox.killedBy();
      if (killedBy && !agentResult.success)
        agentResult = {
          ...agentResult,
          error: `${killedBy}: ${agentResult.error ?? "the agent was killed"}`,
        };
      log.info(
        `agent finished: success=${agentResult.success}${agentResult.error ? ` (${agentResult.error})` : ""}`,
      );
      if (!agentResult.success && !state.endReason) errors.push(agentResult.error ?? "The agent failed");
    }
    // A stop that comes after the agent has finished changes nothing: commit and push run anyway.
    endedEarly = state.endReason;
    if (endedEarly) errors.unshift(endedEarly);

    // A failed setup leaves only its own leftovers (a half-done install): not work to save.
    if (checkout && !setupFailed) {
      recordRun("finishing");
      emit({ type: "sandbox_status", data: { status: "committing" } });
      const pushResult = await commitAndPush({
        spec,
        workDir: deps.workDir,
        setupChanges,
        checkout,
        gitConfig,
        agentResult,
        endReason: state.endReason,
        controlUnreachable: state.streamError !== null,
        emit,
      });
      pushed = pushResult.pushed;
      pushOk = pushResult.ok;
      if (pushResult.error) errors.push(pushResult.error);
    }
  } catch (err) {
    fail("The bridge failed", err);
  } finally {
    clearTimeout(timeLimit);
    clearInterval(heartbeat);
    deps.signal?.removeEventListener("abort", onOuterAbort);
    await closeSandbox();
    await session?.release();
  }

  const success = agentResult?.success === true && pushOk && endedEarly === null;
  const error = success ? undefined : errors.join("; ") || "The run failed";
  emit({
    type: "execution_complete",
    data: { success, error, summary: agentResult?.summary, durationMs: Date.now() - started },
  });
  recordRun("done");
  try {
    markRunEnded(deps.workDir, spec.sessionId, spec.run);
  } catch (err) {
    log.warn(`could not mark the run as ended: ${message(err)}`);
  }
  const drained = await stream.drain(deps.drainTimeoutMs ?? 30_000);
  stream.close();
  if (!drained)
    log.error(`not every event reached the control plane (last acknowledged seq ${stream.lastAckedSeq})`);
  // After the run's end is delivered, so it never delays the final comment; bounded, since the
  // bridge's exit ends the preparation (its git runs in the bridge's PID namespace) and a cut-short
  // one leaves only a directory the mirror cache removes later.
  // A sandbox being shut down (SIGTERM) does not wait: its grace is for the work, not the cache.
  if (spare && !deps.signal?.aborted) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([spare, new Promise<void>((resolve) => (timer = setTimeout(resolve, SPARE_WAIT_MS)))]);
    clearTimeout(timer);
  }
  return { exitCode: drained && !state.streamError ? 0 : 1, success, pushed, error };
}

/** How long a finished run waits for the next run's spare checkout to be ready. */
const SPARE_WAIT_MS = 60_000;

/** What the agent runs in: the wrapper that isolates its command, and the environment it adds. */
type AgentSandbox = {
  wrap?: CommandWrapper;
  env: Record<string, string>;
  /** Why the sandbox itself ended the agent (its memory limit), if it did. */
  killedBy(): string | null;
  close(): Promise<void>;
};

// A Unix socket's path must fit in sockaddr_un (108 bytes on Linux, including the terminator).
const MAX_SOCKET_PATH = 100;

/**
 * Sets up the agent's isolation and says how it is isolated: under bubblewrap, the network proxy
 * with the run's allowlist (the model API and the repository config's hosts), each refused host
 * reported once as a `network_blocked` event.
 */
async function openSandbox(
  spec: SandboxSpec,
  deps: BridgeDeps,
  checkout: Checkout,
  home: string,
  emit: (e: EventInput) => void,
): Promise<AgentSandbox> {
  if (deps.isolation === "bubblewrap" && !bubblewrapWorks())
    throw new Error("bubblewrap (bwrap) cannot run on this sandbox host, and the host asked for it");
  if ((deps.isolation ?? "none") === "none") {
    emit({ type: "isolation", data: { mode: "none", allowedHosts: [] } });
    return { env: {}, killedBy: () => null, close: async () => {} };
  }
  const modelRule = ruleForUrl(deps.modelEnv.baseUrl ?? deps.defaultModelUrl ?? DEFAULT_MODEL_URL);
  // A repository may name public hosts only (its config is checked so; a spec from elsewhere too).
  const repoRules = (spec.networkAllow ?? []).filter((rule) => {
    try {
      return isPublicHostRule(parseHostRule(rule));
    } catch {
      return false;
    }
  });
  const allowed = [modelRule, ...repoRules];
  const rules = allowed.map(parseHostRule);
  let socketPath = join(deps.workDir, "proxy.sock");
  // A deep sandbox root makes the path too long for a socket: /tmp then (not TMPDIR, which is the
  // sandbox's own tmp/ here), removed with the proxy.
  let socketDir: string | null = null;
  if (socketPath.length > MAX_SOCKET_PATH) {
    socketDir = mkdtempSync("/tmp/understudy-");
    socketPath = join(socketDir, "proxy.sock");
  }
  const seen = new Set<string>();
  const proxy: NetworkProxy = await startNetworkProxy({
    socketPath,
    rules,
    trusted: [parseHostRule(modelRule)],
    onBlocked: ({ host, port }) => {
      const key = `${host}:${port}`;
      if (seen.has(key) || seen.size >= MAX_BLOCKED_REPORTED) return;
      seen.add(key);
      emit({ type: "network_blocked", data: { host, port } });
    },
  });
  const log = deps.log ?? silentLog;
  const cgroup = deps.limits
    ? // Named at random: inside the bridge's PID namespace its pid is 1 for every bridge.
      createRunCgroup(
        `${spec.sessionId.slice(0, 24)}-r${spec.run}-${randomBytes(4).toString("hex")}`,
        deps.limits,
      )
    : null;
  if (cgroup && "unavailable" in cgroup)
    log.warn(`no memory or process limit for this run: cannot make a cgroup (${cgroup.unavailable})`);
  const group = cgroup && !("unavailable" in cgroup) ? cgroup : null;
  emit({
    type: "isolation",
    data: { mode: "bubblewrap", allowedHosts: allowed, ...(group ? { limits: group.limits } : {}) },
  });
  const layout = {
    workspace: checkout.repoDir,
    home,
    tmp: join(deps.workDir, "tmp"),
    readOnly: [...(deps.agentReadOnly ?? []), ...(checkout.objectDirs ?? [])],
    network: { socketPath, forwards: loopbackEndpoints(rules) },
  };
  return {
    wrap: (cmd) => (group ? group.enter(bubblewrapCommand(layout, cmd)) : bubblewrapCommand(layout, cmd)),
    env: proxyEnv(),
    killedBy: () =>
      group?.oomKilled()
        ? `The sandbox ran out of memory (its limit is ${Math.round(group.limits.memoryBytes / 2 ** 20)} MiB)`
        : null,
    close: async () => {
      await proxy.close();
      if (socketDir) await rm(socketDir, { recursive: true, force: true });
      await group?.remove();
    },
  };
}

/** A retry's bridge waits this long for the one before it to finish with the session's home. */
const SESSION_LOCK_WAIT_MS = 5_000;

/** A run that probes hundreds of hosts reports the first ones; the rest would only flood the log. */
const MAX_BLOCKED_REPORTED = 50;

/**
 * What the setup commands created that git does not ignore yet (`node_modules` in a repository
 * without a .gitignore for it) goes into .git/info/exclude: it prepares the checkout, it is not the
 * agent's work, and the commit of what the agent left must not carry it.
 */
async function ignoreSetupOutput(repoDir: string): Promise<void> {
  // -z: names as they are (no C quoting); each becomes an anchored, escaped exclude pattern.
  const created = await git(["ls-files", "-z", "--others", "--exclude-standard", "--directory"], {
    cwd: repoDir,
  });
  const names = created.split("\0").filter((n) => n !== "" && !/[\n\r]/.test(n));
  if (names.length === 0) return;
  const patterns = names.map((n) => `/${n.replace(/([*?[\\!#])/g, "\\$1").replace(/ $/, "\\ ")}`);
  const info = join(repoDir, ".git", "info");
  if (!(await lstat(info)).isDirectory()) throw new Error(".git/info is not a directory");
  // The setup ran in the sandbox and could have made the file a symlink to anywhere: never follow it.
  await appendNoFollow(join(info, "exclude"), `\n# created by setup commands\n${patterns.join("\n")}\n`);
}

function withoutModelKeys(env: Record<string, string>): Record<string, string> {
  const { ANTHROPIC_API_KEY: _a, OPENAI_API_KEY: _o, ...rest } = env;
  return rest;
}

/** The agent's whole environment (setup commands get the same): nothing of the bridge's own. */
function agentEnv(deps: BridgeDeps, home: string): Record<string, string> {
  return (deps.agentEnv ?? claudeCodeEnv)({
    home,
    tmpdir: join(deps.workDir, "tmp"),
    path: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    model: deps.modelEnv,
  });
}

/** How one start of the agent went: its result, the model turns it took, and what it held back. */
type AgentAttempt = {
  result: AgentResult;
  turns: number;
  /** Emits the events held back before the first turn (a run that is not started over). */
  flush(): void;
};

/**
 * Runs the agent with a clean environment; resolves even if it throws or ignores its abort signal.
 * With `holdBack`, the events before the model's first turn are held (see {@link AgentAttempt}), so
 * that an attempt the bridge starts over leaves nothing in the transcript or the budget.
 */
async function runAgent(
  spec: SandboxSpec,
  deps: BridgeDeps,
  attempt: { prompt: string; resume?: string },
  where: { repoDir: string; home: string; holdBack: boolean },
  sandbox: AgentSandbox,
  signal: AbortSignal,
  emit: (e: EventInput) => void,
  overBudget: (reason: string) => void,
): Promise<AgentAttempt> {
  const started = Date.now();
  // The budget: the turn after the last allowed one, or a reported cost past the cap, stops the run.
  const turns = newTurnCounter();
  let cost = 0;
  const budget = spec.budget;
  const checkBudget = (e: EventInput) => {
    if (!budget) return;
    countTurn(turns, e);
    // Never below zero: a forged line on the agent's stdout must not buy it budget.
    if (e.type === "step_finish") cost += Math.max(0, e.data.costUsd);
    if (turns.turns > budget.maxTurns) overBudget(`Turn budget of ${budget.maxTurns} turns reached`);
    else if (cost > budget.maxCostUsd)
      overBudget(`Cost budget of $${budget.maxCostUsd.toFixed(2)} reached ($${cost.toFixed(2)} used)`);
  };
  const env = { ...agentEnv(deps, where.home), ...sandbox.env };
  const log = deps.log ?? silentLog;
  const warn = (msg: string) => log.warn(msg);
  let done = false;
  const pass = (e: EventInput) => {
    emit(e);
    checkBudget(e);
  };
  let held: EventInput[] | null = where.holdBack ? [] : null;
  const flush = () => {
    const events = held ?? [];
    held = null;
    for (const e of events) pass(e);
  };
  // Counted apart from the budget's counter, which only runs with a budget.
  const seen = newTurnCounter();
  const onEvent = (e: EventInput) => {
    if (done) return;
    countTurn(seen, e);
    if (held && seen.turns === 0) {
      held.push(e);
      return;
    }
    flush();
    pass(e);
  };
  const crashed = (err: unknown): AgentResult => ({
    success: false,
    error: `The agent crashed: ${message(err)}`,
    durationMs: Date.now() - started,
    exitCode: null,
  });
  const run = Promise.resolve()
    .then(() =>
      deps.agent(
        {
          prompt: attempt.prompt,
          ...(attempt.resume ? { resume: attempt.resume } : {}),
          cwd: where.repoDir,
          env,
          model: spec.model,
          signal,
          warn,
          wrap: sandbox.wrap,
          ...(budget ? { maxCostUsd: budget.maxCostUsd } : {}),
        },
        onEvent,
      ),
    )
    .catch(crashed);
  let graceTimer: NodeJS.Timeout | undefined;
  const graceMs = deps.agentAbortGraceMs ?? 30_000;
  const ignoredAbort = new Promise<AgentResult>((resolve) => {
    const startGrace = () => {
      graceTimer = setTimeout(
        () => resolve(crashed(new Error(`it did not stop within ${graceMs / 1000} s of being aborted`))),
        graceMs,
      );
    };
    if (signal.aborted) startGrace();
    else signal.addEventListener("abort", startGrace, { once: true });
  });
  try {
    const result = await Promise.race([run, ignoredAbort]);
    return { result, turns: seen.turns, flush };
  } finally {
    done = true;
    clearTimeout(graceTimer);
  }
}

function formatDuration(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}
