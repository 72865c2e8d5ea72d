/**
 * A bridge started again by the host after the run's first bridge died (killed, out of memory,
 * crashed): it finishes the run instead of leaving it to the control plane's silence timeout with
 * events and work still in the sandbox directory.
 *
 * It reconnects with the same sandbox token and the same spool, so every event the first bridge
 * spooled and the control plane never acknowledged is resent (and none twice: the control plane
 * stores by seq). Then, from the run record the first bridge kept (run-record.ts):
 *   - the agent had started (`agent`, `finishing`): the agent died with the first bridge's PID
 *     namespace, so what it left in the checkout is committed and pushed as at the end of any run
 *     (sealed first: the agent could write .git), and the run ends as failed, saying what happened;
 *   - it had not (no record, `setup`): nothing in the checkout is anyone's work; the run ends as failed;
 *   - the run was over (`done`): only the resend.
 */
import { join } from "node:path";
import { redactDeep } from "../../core/redact.js";
import type { EventInput, SandboxSpec } from "../../core/wire.js";
import { commitAndPush } from "./commit-and-push.js";
import { createEventStream, type EventStreamOptions, sandboxSocketUrl } from "./event-stream.js";
import { type BridgeLog, silentLog } from "./log.js";
import type { Checkout } from "./prepare-checkout.js";
import type { BridgeResult } from "./run-bridge.js";
import { readRunRecord, recordOf, runEnded, writeRunRecord } from "./run-record.js";

export type RecoverDeps = {
  workDir: string;
  /** Where the first bridge spooled its events (main.ts: `<workDir>/events.spool`). */
  spoolPath: string;
  /** How the first bridge ended, in words (from the host): said in the run's error. */
  firstExit: string;
  log?: BridgeLog;
  stream?: Partial<Omit<EventStreamOptions, "url" | "token" | "startSeq" | "spool" | "log">>;
  drainTimeoutMs?: number;
  /** Aborting it (a second stop) gives up the push; the resend and the end still happen. */
  signal?: AbortSignal;
};

/** The spool file's name in the sandbox directory, beside repo/, home/ and tmp/. */
export const SPOOL_FILE = "events.spool";

export async function recoverRun(spec: SandboxSpec, deps: RecoverDeps): Promise<BridgeResult> {
  const started = Date.now();
  const log = deps.log ?? silentLog;
  let streamError: Error | null = null;
  const stream = createEventStream({
    ...deps.stream,
    url: sandboxSocketUrl(spec.controlUrl, spec.sessionId),
    token: spec.token,
    startSeq: spec.startSeq,
    log,
    spool: { path: deps.spoolPath, sessionId: spec.sessionId, run: spec.run },
    onFailed: (err) => {
      streamError = err;
    },
  });
  const emit = (e: EventInput) =>
    stream.emit(
      redactDeep(
        e,
        [spec.token].filter((s) => s.length >= 8),
      ),
    );

  const record = readRunRecord(deps.workDir);
  const ours = record && record.sessionId === spec.sessionId && record.run === spec.run ? record : null;
  const died = `The sandbox's bridge stopped unexpectedly (${deps.firstExit})`;
  let result: BridgeResult = { exitCode: 0, success: false, pushed: false, error: died };

  if (ours?.phase === "done" || runEnded(deps.workDir, spec.sessionId, spec.run)) {
    log.info("the run had ended before its bridge died: resending what was not acknowledged");
  } else {
    const errors = [died];
    emit({ type: "error", data: { message: `${died}; a new bridge is finishing the run` } });
    if (ours && (ours.phase === "agent" || ours.phase === "finishing") && !deps.signal?.aborted) {
      const checkout: Checkout = { ...ours.checkout };
      const gitConfig = Buffer.from(ours.gitConfig, "base64");
      writeRunRecord(
        deps.workDir,
        recordOf(
          spec.sessionId,
          spec.run,
          "finishing",
          checkout,
          gitConfig,
          ours.endReason ?? died,
          ours.setupChanges,
        ),
      );
      emit({ type: "sandbox_status", data: { status: "committing" } });
      const pushed = await commitAndPush({
        spec,
        workDir: deps.workDir,
        checkout,
        gitConfig,
        agentResult: null,
        endReason: ours.endReason ?? died,
        ...(ours.setupChanges ? { setupChanges: ours.setupChanges } : {}),
        controlUnreachable: streamError !== null,
        emit,
      });
      if (pushed.error) errors.push(pushed.error);
      result = { ...result, pushed: pushed.pushed };
      log.info(`saved the run's work: pushed=${pushed.pushed}${pushed.error ? ` (${pushed.error})` : ""}`);
    } else if (!ours) {
      log.warn("no run record: the first bridge died before its checkout was ready; nothing to push");
    }
    const error = errors.join("; ");
    emit({
      type: "execution_complete",
      data: { success: false, error, durationMs: Date.now() - started },
    });
    if (ours)
      writeRunRecord(
        deps.workDir,
        recordOf(
          spec.sessionId,
          spec.run,
          "done",
          { ...ours.checkout },
          Buffer.from(ours.gitConfig, "base64"),
          ours.endReason,
        ),
      );
    result = { ...result, error };
  }

  const drained = await stream.drain(deps.drainTimeoutMs ?? 30_000);
  stream.close();
  if (!drained)
    log.error(`not every event reached the control plane (last acknowledged seq ${stream.lastAckedSeq})`);
  return { ...result, exitCode: drained && !streamError ? 0 : 1 };
}

/** `<workDir>/events.spool`. */
export function spoolPathIn(workDir: string): string {
  return join(workDir, SPOOL_FILE);
}
