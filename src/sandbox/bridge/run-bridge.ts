/**
 * One run of a session inside the sandbox: connect the event stream, clone, run the agent, then
 * commit and push whatever it left, whatever happened to it. Every outcome ends in an
 * `execution_complete` event; nothing is thrown past `runBridge`.
 */
import { join } from "node:path";
import { redactDeep } from "../../core/redact.js";
import type { EventInput, SandboxSpec } from "../../core/wire.js";
import type { Agent, AgentResult } from "../agents/agent.js";
import { claudeCodeEnv } from "../agents/claude-code.js";
import { commitLeftovers } from "./commit-leftovers.js";
import { createEventStream, type EventStreamOptions, sandboxSocketUrl } from "./event-stream.js";
import { fetchGitToken } from "./fetch-git-token.js";
import { type BridgeLog, silentLog } from "./log.js";
import { type Checkout, prepareCheckout } from "./prepare-checkout.js";
import { pushBranch } from "./push-branch.js";

export type ModelEnv = { baseUrl?: string; apiKey?: string };

export type BridgeDeps = {
  agent: Agent;
  /** The sandbox's directory: the checkout goes to `repo/`, the agent gets `home/` and `tmp/`. */
  workDir: string;
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

  try {
    emit({ type: "sandbox_status", data: { status: "starting" } });
    let checkout: Checkout | null = null;
    if (!abort.signal.aborted) {
      emit({ type: "sandbox_status", data: { status: "cloning" } });
      try {
        const { token } = await fetchGitToken({
          controlUrl: spec.controlUrl,
          sessionId: spec.sessionId,
          sandboxToken: spec.token,
        });
        checkout = await prepareCheckout(spec, join(deps.workDir, "repo"), token, abort.signal);
        const { branch, base, headSha, created } = checkout;
        emit({ type: "git_sync", data: { branch, base, headSha, created } });
        log.info(`checked out ${branch} at ${headSha.slice(0, 12)} (${created ? "new" : "existing"} branch)`);
        emit({ type: "sandbox_status", data: { status: "ready" } });
      } catch (err) {
        fail("Could not prepare the checkout", err);
      }
    }

    if (checkout && !abort.signal.aborted) {
      emit({ type: "sandbox_status", data: { status: "running_agent" } });
      emit({ type: "user_message", data: { text: spec.prompt } });
      agentResult = await runAgent(spec, deps, checkout.repoDir, abort.signal, emit);
      log.info(
        `agent finished: success=${agentResult.success}${agentResult.error ? ` (${agentResult.error})` : ""}`,
      );
      if (!agentResult.success && !state.endReason) errors.push(agentResult.error ?? "The agent failed");
    }
    // A stop that comes after the agent has finished changes nothing: commit and push run anyway.
    endedEarly = state.endReason;
    if (endedEarly) errors.unshift(endedEarly);

    if (checkout) {
      emit({ type: "sandbox_status", data: { status: "committing" } });
      const pushResult = await commitAndPush(spec, deps, checkout, agentResult, state, emit);
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
  }

  const success = agentResult?.success === true && pushOk && endedEarly === null;
  const error = success ? undefined : errors.join("; ") || "The run failed";
  emit({
    type: "execution_complete",
    data: { success, error, summary: agentResult?.summary, durationMs: Date.now() - started },
  });
  const drained = await stream.drain(deps.drainTimeoutMs ?? 30_000);
  stream.close();
  if (!drained)
    log.error(`not every event reached the control plane (last acknowledged seq ${stream.lastAckedSeq})`);
  return { exitCode: drained && !state.streamError ? 0 : 1, success, pushed, error };
}

/** Runs the agent with a clean environment; resolves even if it throws or ignores its abort signal. */
async function runAgent(
  spec: SandboxSpec,
  deps: BridgeDeps,
  repoDir: string,
  signal: AbortSignal,
  emit: (e: EventInput) => void,
): Promise<AgentResult> {
  const started = Date.now();
  const env = claudeCodeEnv({
    home: join(deps.workDir, "home"),
    tmpdir: join(deps.workDir, "tmp"),
    path: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    model: deps.modelEnv,
  });
  const log = deps.log ?? silentLog;
  const warn = (msg: string) => log.warn(msg);
  let done = false;
  const onEvent = (e: EventInput) => {
    if (!done) emit(e);
  };
  const crashed = (err: unknown): AgentResult => ({
    success: false,
    error: `The agent crashed: ${message(err)}`,
    durationMs: Date.now() - started,
    exitCode: null,
  });
  const run = Promise.resolve()
    .then(() =>
      deps.agent({ prompt: spec.prompt, cwd: repoDir, env, model: spec.model, signal, warn }, onEvent),
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
    return await Promise.race([run, ignoredAbort]);
  } finally {
    done = true;
    clearTimeout(graceTimer);
  }
}

async function commitAndPush(
  spec: SandboxSpec,
  deps: BridgeDeps,
  checkout: Checkout,
  agentResult: AgentResult | null,
  state: { endReason: string | null; streamError: Error | null },
  emit: (e: EventInput) => void,
): Promise<{ pushed: boolean; ok: boolean; error?: string }> {
  const { branch } = checkout;
  let commit: Awaited<ReturnType<typeof commitLeftovers>>;
  try {
    commit = await commitLeftovers(
      spec,
      checkout.repoDir,
      checkout.baseSha,
      commitBody(spec, agentResult, state.endReason),
    );
  } catch (err) {
    const error = `Could not commit the agent's changes: ${message(err)}`;
    emit({ type: "push_error", data: { branch, error } });
    return { pushed: false, ok: false, error };
  }
  const nothingNew = commit.commitsAhead === 0 || commit.headSha === checkout.remoteBranchSha;
  if (nothingNew) {
    emit({
      type: "push_complete",
      data: { branch, sha: commit.headSha, commitsAhead: commit.commitsAhead, pushed: false },
    });
    return { pushed: false, ok: true };
  }
  if (state.streamError) {
    // The commit stays in the sandbox directory, which the host keeps.
    return { pushed: false, ok: false, error: "Not pushed: the control plane is unreachable" };
  }
  emit({ type: "sandbox_status", data: { status: "pushing" } });
  try {
    const { token } = await fetchGitToken({
      controlUrl: spec.controlUrl,
      sessionId: spec.sessionId,
      sandboxToken: spec.token,
    });
    await pushBranch({
      repoDir: checkout.repoDir,
      scratchDir: deps.workDir,
      cloneUrl: spec.repo.cloneUrl,
      branch,
      headSha: commit.headSha,
      expectedRemoteSha: checkout.remoteBranchSha,
      token,
    });
  } catch (err) {
    const error = `Push failed: ${message(err)}`;
    emit({ type: "push_error", data: { branch, error } });
    // Someone else's branch refused the push (protected, or moved since the request): the work goes
    // to a branch of the session's own, so it is not lost with the sandbox.
    const fallback = spec.repo.fallbackBranch;
    if (
      fallback &&
      fallback !== branch &&
      (await pushFallback(spec, deps, checkout, commit.headSha, fallback))
    ) {
      emit({
        type: "push_complete",
        data: { branch: fallback, sha: commit.headSha, commitsAhead: commit.commitsAhead, pushed: true },
      });
      return { pushed: true, ok: false, error };
    }
    return { pushed: false, ok: false, error };
  }
  emit({
    type: "push_complete",
    data: { branch, sha: commit.headSha, commitsAhead: commit.commitsAhead, pushed: true },
  });
  return { pushed: true, ok: true };
}

/** Pushes the run's commit to a new branch (it must not exist yet); false when that fails too. */
async function pushFallback(
  spec: SandboxSpec,
  deps: BridgeDeps,
  checkout: Checkout,
  headSha: string,
  branch: string,
): Promise<boolean> {
  try {
    const { token } = await fetchGitToken({
      controlUrl: spec.controlUrl,
      sessionId: spec.sessionId,
      sandboxToken: spec.token,
    });
    await pushBranch({
      repoDir: checkout.repoDir,
      scratchDir: deps.workDir,
      cloneUrl: spec.repo.cloneUrl,
      branch,
      headSha,
      expectedRemoteSha: null,
      token,
    });
    return true;
  } catch {
    return false;
  }
}

/** The short body of the bridge's own commit: the agent's summary, or why the run ended early. */
function commitBody(spec: SandboxSpec, result: AgentResult | null, endReason: string | null): string {
  const lines: string[] = [];
  const summary = result?.summary?.trim();
  if (summary) lines.push(clip(summary, 2_000));
  else lines.push(`Changes the agent left uncommitted at the end of run ${spec.run}.`);
  const problem = endReason ?? (result && !result.success ? (result.error ?? "the agent failed") : null);
  if (problem) lines.push(`The run did not finish: ${clip(problem, 500)}`);
  return lines.join("\n\n");
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function formatDuration(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}
