/**
 * The run model: what one run of a session did, computed once from its events so that the status
 * comment, the transcript page and the lifecycle all read the same steps, totals and outcome.
 * Pure. The caller hands over one run's events (the store keeps them by run number); this never
 * tells runs apart by time.
 */
import { countTurn, newTurnCounter } from "./count-turns.js";
import type { Event, EventPayload, SessionStatus, ToolCall } from "./wire.js";
import { isTerminal } from "./wire.js";

/** A step: `done` and `error` come from the call's tool_result (or a final status re-emitted on the call). */
export type StepState = "running" | "done" | "error";

/** One tool call of the run, in call order, with how it went. */
export interface RunStep {
  call: ToolCall;
  state: StepState;
  /** The tool's output, once its result came. */
  output: string | undefined;
  /**
   * A failed command's exit status, when its output says (see {@link exitCodeOf}). Tool results
   * carry no exit-code field, so it is read from the output once, here, for every view.
   */
  exitCode?: number;
}

export interface RunTotals {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** `step_finish` events: the stretches of model work the agent reported usage for. */
  turns: number;
}

/**
 * What happened to the run's work, from the last push report: the design promises a failed run still
 * pushes what it changed, so every ending says which of these it was.
 */
export type PushOutcome =
  | { kind: "pushed"; branch: string; sha: string; commitsAhead: number }
  /** Nothing new to push, but the branch is ahead of its base: it already has the changes. */
  | { kind: "up_to_date"; branch: string; commitsAhead: number }
  /** Nothing to push and nothing ahead of the base: the agent changed no file. */
  | { kind: "no_changes"; branch: string }
  | { kind: "failed"; branch: string; error: string }
  /** No push was reported (yet). */
  | { kind: "none" };

export interface RunSummary {
  steps: RunStep[];
  totals: RunTotals;
  /** The request that started the run, as the bridge recorded it. */
  prompt: { text: string; author: string | undefined } | undefined;
  lastAssistantText: string | undefined;
  /** The agent's own ending (`execution_complete`), if it reported one. */
  agentResult: EventPayload<"execution_complete"> | undefined;
  /** The last of each push report; `push` is whichever came last. */
  pushComplete: EventPayload<"push_complete"> | undefined;
  pushError: EventPayload<"push_error"> | undefined;
  push: PushOutcome;
  /** The last `session_status` recorded in the run, with its reason: a past run's outcome. */
  status: SessionStatus | undefined;
  statusReason: string | undefined;
  sandboxStatus: EventPayload<"sandbox_status">["status"] | undefined;
  lastError: string | undefined;
  /** Pull request and branch links the run produced. */
  artifacts: EventPayload<"artifact">[];
  /**
   * When the run started and ended by the control plane's clock (its `session_status` events), so a
   * past run's duration never mixes two machines' clocks. `endedAt` is set once a terminal status is.
   */
  startedAt: string | undefined;
  endedAt: string | undefined;
  /** Time of the run's last event of any kind. */
  lastAt: string | undefined;
  /** How the agent was isolated, once the bridge said. */
  isolation: EventPayload<"isolation"> | undefined;
  /** `host:port` the sandbox tried to reach and was refused, each once, in order. */
  blockedHosts: string[];
  /** Model turns so far, counted as the bridge counts them against the turn budget (count-turns.ts). */
  modelTurns: number;
  /** Files the bridge kept off the branch (workflow files), with why. */
  leftOut: EventPayload<"files_left_out"> | undefined;
}

/** Summarizes one run from its events, in stored order. */
export function summarizeRun(events: readonly Event[]): RunSummary {
  const byId = new Map<string, RunStep>();
  const totals: RunTotals = { inputTokens: 0, outputTokens: 0, costUsd: 0, turns: 0 };
  const s: Omit<RunSummary, "steps" | "totals" | "push" | "modelTurns"> = {
    prompt: undefined,
    lastAssistantText: undefined,
    agentResult: undefined,
    pushComplete: undefined,
    pushError: undefined,
    status: undefined,
    statusReason: undefined,
    sandboxStatus: undefined,
    lastError: undefined,
    artifacts: [],
    startedAt: undefined,
    endedAt: undefined,
    lastAt: undefined,
    isolation: undefined,
    blockedHosts: [],
    leftOut: undefined,
  };
  let push: PushOutcome = { kind: "none" };
  const turns = newTurnCounter();
  for (const e of events) {
    s.lastAt = e.at;
    countTurn(turns, e);
    switch (e.type) {
      case "tool_call": {
        const known = byId.get(e.data.callId);
        const state = e.data.status === "completed" ? "done" : e.data.status;
        if (!known) {
          byId.set(e.data.callId, { call: e.data, state, output: undefined });
        } else {
          // A later tool_call for the same id (an adapter may re-emit it with more detail or a
          // final status) refines it; a result already in never goes back to running.
          known.call = { ...known.call, ...e.data };
          if (known.state === "running") known.state = state;
        }
        break;
      }
      case "tool_result": {
        const step = byId.get(e.data.callId);
        if (step) {
          step.state = e.data.isError ? "error" : "done";
          step.output = e.data.output;
          const exitCode = e.data.isError ? exitCodeOf(e.data.output) : undefined;
          if (exitCode !== undefined) step.exitCode = exitCode;
          else delete step.exitCode;
        }
        break;
      }
      case "step_finish":
        totals.inputTokens += e.data.tokens.input;
        totals.outputTokens += e.data.tokens.output;
        totals.costUsd += Math.max(0, e.data.costUsd);
        totals.turns++;
        break;
      case "user_message":
        s.prompt ??= { text: e.data.text, author: e.data.author };
        break;
      case "assistant_text":
        s.lastAssistantText = e.data.text;
        break;
      case "execution_complete":
        s.agentResult = e.data;
        break;
      case "push_complete":
        s.pushComplete = e.data;
        push = pushOutcome(e.data);
        break;
      case "push_error":
        s.pushError = e.data;
        push = { kind: "failed", branch: e.data.branch, error: e.data.error };
        break;
      case "session_status":
        s.status = e.data.status;
        s.statusReason = e.data.reason;
        s.startedAt ??= e.at;
        // A run can be taken up again after an end (queued anew); only its last end counts.
        s.endedAt = isTerminal(e.data.status) ? e.at : undefined;
        break;
      case "sandbox_status":
        s.sandboxStatus = e.data.status;
        break;
      case "error":
        s.lastError = e.data.message;
        break;
      case "artifact":
        s.artifacts.push(e.data);
        break;
      case "isolation":
        s.isolation = e.data;
        break;
      case "files_left_out":
        // What setup changed is no loss of the agent's work: the transcript shows it, not the summary.
        if (e.data.kind !== "setup") s.leftOut = e.data;
        break;
      case "network_blocked": {
        const where = `${e.data.host}:${e.data.port}`;
        if (!s.blockedHosts.includes(where)) s.blockedHosts.push(where);
        break;
      }
      case "git_sync":
      case "heartbeat":
        break;
    }
  }
  return { ...s, steps: [...byId.values()], totals, push, modelTurns: turns.turns };
}

/**
 * The exit status a failed command reports on its output's first line. Claude Code's Bash tool
 * answers a non-zero exit with `is_error: true` and output starting `Exit code 1`; Codex writes
 * `Exit code: 1`. Any other output (a denied permission, a timeout) has none.
 */
export function exitCodeOf(output: string): number | undefined {
  const m = /^Exit code:? (\d{1,9})\b/.exec(output.trimStart());
  return m ? Number(m[1]) : undefined;
}

function pushOutcome(p: EventPayload<"push_complete">): PushOutcome {
  if (p.pushed) return { kind: "pushed", branch: p.branch, sha: p.sha, commitsAhead: p.commitsAhead };
  if (p.commitsAhead > 0) return { kind: "up_to_date", branch: p.branch, commitsAhead: p.commitsAhead };
  return { kind: "no_changes", branch: p.branch };
}
