/**
 * The run's state machine: queued → provisioning → running → finishing → completed | failed |
 * cancelled, every move through `transition` (validated, stored with its reason). Every path ends in
 * a terminal state with the comment rendered for it; a failed or stopped run still reports (and
 * keeps) what the bridge pushed. When a run ends, the next queued request of the session starts.
 */
import { formatUtcTime } from "../../src/core/format-utc-time.js";
import { canTransition } from "../../src/core/session-transitions.js";
import { randomToken, sha256Hex } from "../../src/core/sign-link.js";
import { sessionKey } from "../../src/core/start-session-request.js";
import { summarizeRun } from "../../src/core/summarize-run.js";
import { type Event, isTerminal } from "../../src/core/wire.js";
import { retryAfterOf } from "../../src/github/request-policy.js";
import { backoffMs } from "./backoff.js";
import { requestCommentEdit, writeCommentNow } from "./comment.js";
import { linkPullRequest, openRunPullRequest } from "./open-run-pull-request.js";
import { pullRequestTemplate } from "./pull-request-template.js";
import { reply } from "./reply.js";
import { runNotes } from "./run-notes.js";
import { sandboxSpec } from "./sandbox-spec.js";
import { headOffLimits, runTimeLimitMs, sessionBranch } from "./session-branch.js";
import type { SessionDeps } from "./session-deps.js";
import type { SessionRecord } from "./session-record.js";
import type { StoredRequest } from "./store.js";
import { clearTimers, setTimer, syncAlarm } from "./timers.js";
import { transition } from "./transition.js";
import { updateSession } from "./update-session.js";

/** How long a spawned sandbox's token stays valid beyond the run's time limit. */
const TOKEN_GRACE_MS = 10 * 60_000;

/** Longer than a terminal write's in-place retries (the request policy's 30 s budget). */
const FINAL_COMMENT_GUARD_MS = 45_000;

/** Every timer of a live run: cleared together when it ends. */
const RUN_TIMERS = ["connect", "silence", "deadline", "stop", "comment", "finish"] as const;

/** Timers that watch a run that has not finished yet (they mean nothing once it is `finishing`). */
const LIVE_STATUSES: readonly string[] = ["queued", "provisioning", "running"];
const isLive = (s: { status: string }) => LIVE_STATUSES.includes(s.status);

/**
 * While the PR is being opened, a `finish` timer this far out recovers a run whose object was reset
 * mid-way (GitHub calls give up well within it). Opening is idempotent: an open PR is found, not
 * opened again.
 */
const FINISH_GUARD_MS = 5 * 60_000;

/** The `next` timer: a safety net, normally the next run starts as soon as the final comment lands. */
const NEXT_GUARD_MS = 30_000;

/** Runs whose finish is being worked on in this instance: a guard timer must not start a second. */
const finishing = new WeakSet<SessionDeps>();

/**
 * Starts a run of the session for a stored request (the first run, or the next one on the same
 * branch). Refused, and logged, while another run is live.
 */
export async function startRun(d: SessionDeps, stored: StoredRequest, publicUrl: string): Promise<boolean> {
  const previous = d.store.getSession();
  if (previous && !canTransition(previous.status, "queued")) {
    d.log("refused to start a run while one is live", { status: previous.status, request: stored.id });
    return false;
  }
  const req = stored.request;
  const at = new Date(d.now()).toISOString();
  const run = (previous?.run ?? 0) + 1;
  // A follow-up goes on on the session's branch, unless that is a pull request's head the request
  // says is off limits now (closed, merged): then a branch of its own, with a pull request of its own.
  const offLimits = headOffLimits(req);
  const kept = previous && !(offLimits && req.pull?.headRef === previous.branch) ? previous : null;
  const where = kept ?? sessionBranch(d.config, req);
  const notes = runNotes(req, where, kept, offLimits);
  const limitMs = runTimeLimitMs(d.config, req);
  const record: SessionRecord = {
    sessionId: d.id,
    request: req,
    publicUrl: previous?.publicUrl ?? publicUrl,
    status: "queued",
    run,
    createdAt: previous?.createdAt ?? at,
    runStartedAt: at,
    finishedAt: null,
    branch: where.branch,
    baseBranch: where.baseBranch,
    branchUrl: kept?.branchUrl ?? null,
    pr: kept?.pr ?? null,
    summary: null,
    error: null,
    commentId: null,
    sandboxId: null,
    tokenHash: null,
    tokenExpiresAt: null,
    lastSandboxContactAt: null,
    lastCommentAt: null,
    lastCommentHash: null,
    commentFailures: 0,
    commentRecreated: false,
    commentGone: false,
    finishFailures: 0,
    requestId: stored.id,
    stoppedBy: null,
    queueCleared: 0,
    sessionKey: previous?.sessionKey ?? sessionKey(req),
    originIsPullRequest: where.originIsPullRequest,
    prLinked: kept?.prLinked ?? false,
    sandboxConnectedAt: null,
    finalCommentPending: false,
    lastPushedSha: kept?.lastPushedSha ?? null,
    linkFailures: kept?.linkFailures ?? 0,
    startSeq: d.store.maxSeq(),
  };
  // Written in one synchronous step with the request's state and the run's first timers: a retried
  // delivery finds it started, and a reset before the sandbox is spawned is caught by `connect`.
  d.store.putSession(record);
  d.store.setRequestState(stored.id, "running", run);
  d.store.setTimer("connect", d.now() + d.config.SANDBOX_CONNECT_MS);
  d.store.setTimer("deadline", d.now() + limitMs + 60_000);
  d.store.clearTimer("next");
  const reason = `Requested by @${req.requester.login}${notes.length > 0 ? `. ${notes.join(" ")}` : ""}`;
  d.store.appendControlEvent(run, { type: "session_status", data: { status: "queued", reason } }, at);
  // The request as its author wrote it, for the transcript (the bridge records the full prompt).
  d.store.appendControlEvent(
    run,
    { type: "user_message", data: { text: req.task, author: req.requester.login } },
    at,
  );
  await syncAlarm(d);
  // The status comment is the first answer a person sees: post it before anything slow. A failure
  // here is retried by the comment's own timer; the run goes on. The sandbox is asked for only once
  // the comment is stored: started beside it, a restart while GitHub held the comment would leave a
  // live run whose comment the session never learnt of, on "Starting…" for good.
  await writeCommentNow(d);
  await spawnSandbox(d, run);
  // What the run does other than asked (a flag that cannot apply, a branch of its own) is said in
  // the thread too: the status comment shows where the work goes, not why.
  if (notes.length > 0) await reply(d, req, `@${req.requester.login} ${notes.join(" ")}`);
  return true;
}

async function spawnSandbox(d: SessionDeps, run: number): Promise<void> {
  const token = randomToken();
  const hash = await sha256Hex(token);
  const s = transition(
    d,
    "provisioning",
    undefined,
    (x) => {
      x.tokenHash = hash;
      x.tokenExpiresAt = d.now() + runTimeLimitMs(d.config, x.request) + TOKEN_GRACE_MS;
    },
    run,
  );
  if (!s) return; // stopped meanwhile
  await setTimer(d, "connect", d.now() + d.config.SANDBOX_CONNECT_MS);
  // A provider that failed the last few sessions is not asked again until its cool-down is over:
  // this run ends now, saying why and when, rather than after a failure of its own.
  const permit = await d.breaker.permit().catch((error) => {
    d.log("circuit breaker unreachable; spawning anyway", { error: String(error) });
    return { allowed: true as const, probe: false };
  });
  if (!permit.allowed) {
    const when = formatUtcTime(new Date(permit.until).toISOString(), new Date(d.now()));
    await failRun(
      d,
      `Sandboxes are paused: the last ${permit.failures} attempts to start one failed (last: ${permit.lastError}). New runs start again after ${when}; comment \`@${d.config.APP_SLUG} retry\` then.`,
    );
    return;
  }
  const spec = sandboxSpec(d, s, token);
  // A sandbox the provider names itself is on record before it exists: should this object be reset
  // while the provider starts it, the run's end still stops and releases it.
  const planned = d.provider.nameFor?.(spec);
  if (planned)
    updateSession(d, (x) => {
      if (x.run === s.run) x.sandboxId = planned;
    });
  try {
    const handle = await d.provider.spawn(spec);
    const now = updateSession(d, (x) => {
      if (x.run === s.run) x.sandboxId = handle.sandboxId;
    });
    // Stopped (or failed) while the provider was starting it: nothing may keep running.
    if (now.run !== s.run || isTerminal(now.status)) {
      await d.provider
        .stop(handle.sandboxId)
        .catch((e) => d.log("sandbox stop failed", { error: String(e) }));
      return;
    }
    await requestCommentEdit(d);
  } catch (error) {
    // A run the connect timer already ended (a cold start slower than SANDBOX_CONNECT_MS) was
    // reported then: one failure, not two.
    const now = d.store.getSession();
    if (now?.run === s.run && !isTerminal(now.status))
      reportSpawn(d, { ok: false, error: errorMessage(error) });
    await failRun(d, `Could not start a sandbox: ${errorMessage(error)}`);
  }
}

/** Tells the provider's circuit breaker how a spawn went; its own failure only gets logged. */
function reportSpawn(d: SessionDeps, outcome: { ok: true } | { ok: false; error: string }): void {
  d.breaker.report(outcome).catch((error) => d.log("circuit breaker unreachable", { error: String(error) }));
}

/** The run's bridge said hello: from now on silence, not the connect timeout, says it is lost. */
export async function onSandboxConnected(d: SessionDeps, run: number): Promise<void> {
  const s = d.store.getSession();
  if (!s || s.run !== run || !isLive(s)) return;
  if (s.sandboxConnectedAt === null) reportSpawn(d, { ok: true });
  updateSession(d, (x) => {
    x.sandboxConnectedAt ??= d.now();
    x.lastSandboxContactAt = d.now();
  });
  await clearTimers(d, "connect");
  await setTimer(d, "silence", d.now() + d.config.SANDBOX_SILENCE_MS);
  // A bridge that reconnects after a stop was asked for may not have heard it: say it again.
  if (s.stoppedBy !== null) d.toSandbox(run, { type: "stop", reason: `by @${s.stoppedBy}` });
}

/** Reacts to events the bridge sent (already stored): status moves, branch link, the end of the run. */
export async function onSandboxEvents(d: SessionDeps, events: readonly Event[]): Promise<void> {
  const s = updateSession(d, (x) => {
    x.lastSandboxContactAt = d.now();
    x.sandboxConnectedAt ??= d.now();
  });
  // Once the run is finishing, the bridge's last words (a resend, a reconnect) watch nothing.
  if (!isLive(s)) return;
  d.store.clearTimer("connect");
  await setTimer(d, "silence", d.now() + d.config.SANDBOX_SILENCE_MS);
  let complete = false;
  for (const e of events) {
    if (e.type === "sandbox_status" && e.data.status === "running_agent") {
      if (d.store.getSession()?.status === "provisioning") transition(d, "running");
      // Read while the agent works (also for a run that turns out to push nothing): the pull request
      // at the end then waits for nothing else. A failed read is read again there.
      if (!s.originIsPullRequest && s.pr === null)
        pullRequestTemplate(d, s).catch((error: unknown) =>
          d.log("early read of the pull-request template failed", { error: String(error) }),
        );
    } else if (e.type === "push_complete" && e.data.pushed) {
      const url = `${d.config.GITHUB_URL}/${s.request.repo.owner}/${s.request.repo.name}/tree/${e.data.branch}`;
      updateSession(d, (x) => {
        x.branchUrl = url;
        if (e.data.branch === x.branch) x.lastPushedSha = e.data.sha;
      });
      d.store.appendControlEvent(
        s.run,
        { type: "artifact", data: { kind: "branch", url } },
        new Date(d.now()).toISOString(),
      );
    } else if (e.type === "execution_complete") {
      complete = true;
    }
  }
  if (complete) return endAgentRun(d);
  // A heartbeat says only that the sandbox is alive; the comment shows nothing of it, and an edit
  // for it alone would cost a write to GitHub every heartbeat of a quiet run.
  if (events.some((e) => e.type !== "heartbeat")) await requestCommentEdit(d);
}

/** The bridge reported the end (execution_complete is stored): a stopped run is cancelled, others finish. */
async function endAgentRun(d: SessionDeps): Promise<void> {
  // Read again: a stop may have come in while this handler waited.
  const s = d.store.getSession();
  if (!s || !isLive(s)) return;
  if (s.stoppedBy !== null) return cancelRun(d, null);
  await finishRun(d);
}

/** After execution_complete: stop the run's timers, then open the pull request and settle. */
async function finishRun(d: SessionDeps): Promise<void> {
  const s = transition(d, "finishing", undefined, (x) => {
    x.tokenHash = null;
    x.tokenExpiresAt = null;
  });
  if (!s) return;
  // The final comment is written below; a pending coalesced edit would only repeat it. The guard
  // finishes the run should this object be reset while GitHub is being asked.
  for (const t of ["connect", "silence", "deadline", "stop", "comment"] as const) d.store.clearTimer(t);
  await setTimer(d, "finish", d.now() + FINISH_GUARD_MS);
  // The bridge pushed before it reported the end, and its last batch is acknowledged: a sandbox that
  // outlives its bridge (a container, billed) goes now, while the pull request is opened, however
  // long GitHub makes that take. The sandbox host's end by themselves.
  const released =
    s.sandboxId && d.provider.release
      ? d.provider.release(s.sandboxId).catch((e) => d.log("sandbox release failed", { error: String(e) }))
      : null;
  await completeFinish(d);
  await released;
}

/** Attempts at opening the pull request before the run is settled as failed (with its branch kept). */
export const MAX_FINISH_FAILURES = 10;

/**
 * Opens (or finds) the pull request, links it to the session, and settles the terminal state.
 * Re-entrant: when GitHub refuses for a while, the `finish` timer calls it again with backoff, so a
 * rate limit delays the PR instead of losing it; the run stays `finishing` meanwhile.
 */
export async function completeFinish(d: SessionDeps): Promise<void> {
  const s = d.store.getSession();
  if (s?.status !== "finishing" || finishing.has(d)) return;
  finishing.add(d);
  try {
    await finishNow(d, s);
  } finally {
    finishing.delete(d);
  }
}

async function finishNow(d: SessionDeps, s: SessionRecord): Promise<void> {
  const run = summarizeRun(d.store.events(s.run));
  const exec = run.agentResult;
  let error = exec?.success ? null : (exec?.error ?? "The agent did not finish successfully.");
  if (run.pushError) {
    error = `Pushing to \`${run.pushError.branch}\` failed: ${run.pushError.error}`;
    const saved = run.pushComplete;
    if (saved?.pushed && saved.branch !== run.pushError.branch)
      error += ` The work was pushed to a branch of its own instead, \`${saved.branch}\`: open a pull request from it, or ask again once the branch accepts pushes.`;
  }
  let pr = s.pr;
  const pushedHere = run.pushComplete?.branch === s.branch;
  if (pushedHere && (run.pushComplete?.commitsAhead ?? 0) > 0 && !s.originIsPullRequest && !pr) {
    try {
      // A draft when asked for (flag or config), or when the run did not succeed.
      pr = await openRunPullRequest(
        d,
        s,
        exec?.summary ?? null,
        error !== null || s.request.options.draft === true,
      );
    } catch (e) {
      const failures = s.finishFailures + 1;
      // Set only when GitHub failed for a while; a 422 or 404 is an answer and ends the run.
      const retryAfter = retryAfterOf(e);
      if (failures < MAX_FINISH_FAILURES && retryAfter !== undefined) {
        updateSession(d, (x) => {
          x.finishFailures = failures;
        });
        const wait = Math.max(retryAfter, backoffMs(failures));
        d.log("opening the pull request failed; retrying from the alarm", {
          failures,
          waitMs: wait,
          error: errorMessage(e),
        });
        await setTimer(d, "finish", d.now() + wait);
        await requestCommentEdit(d);
        return;
      }
      error = `${error ? `${error} ` : ""}Opening the pull request failed${failures > 1 ? ` after ${failures} attempts` : ""}: ${errorMessage(e)} The branch ${s.branch} keeps the work.`;
    }
  }
  settle(d, error === null ? "completed" : "failed", error ?? undefined, (x) => {
    x.pr = pr;
    x.error = error;
    x.summary = exec?.summary ?? null;
  });
  await syncAlarm(d);
  await writeCommentNow(d);
  if (pr) await linkOrRetry(d);
  await startNextRun(d);
}

/** With backoff capped at a minute, most of an hour of trying. */
const MAX_LINK_FAILURES = 50;

/** Links the session's PR; a failure is retried by the `link` timer, whatever the run does next. */
export async function linkOrRetry(d: SessionDeps): Promise<void> {
  try {
    await linkPullRequest(d);
  } catch (e) {
    const failures = (d.store.getSession()?.linkFailures ?? 0) + 1;
    updateSession(d, (x) => {
      x.linkFailures = failures;
    });
    if (failures >= MAX_LINK_FAILURES) {
      // Comments on the PR will start a session of their own; say so where it can be read.
      d.store.appendControlEvent(
        d.store.getSession()?.run ?? 0,
        {
          type: "error",
          data: { message: `Could not link the pull request to this session: ${errorMessage(e)}` },
        },
        new Date(d.now()).toISOString(),
      );
      return;
    }
    const wait = backoffMs(failures);
    d.log("linking the pull request to the session failed; retrying", {
      failures,
      waitMs: wait,
      error: errorMessage(e),
    });
    await setTimer(d, "link", d.now() + wait);
  }
}

/** Ends the run as failed from the control plane's side (sandbox lost, time limit, spawn error). */
export async function failRun(d: SessionDeps, reason: string): Promise<void> {
  const s = d.store.getSession();
  if (!s || isTerminal(s.status)) return;
  d.store.appendControlEvent(
    s.run,
    { type: "error", data: { message: reason } },
    new Date(d.now()).toISOString(),
  );
  if (
    !settle(d, "failed", reason, (x) => {
      x.error = reason;
      x.summary = null;
    })
  )
    return;
  await syncAlarm(d);
  // The terminal comment first: stopping a sandbox waits for its processes to go (seconds).
  await writeCommentNow(d);
  if (s.sandboxId)
    await d.provider.stop(s.sandboxId).catch((e) => d.log("sandbox stop failed", { error: String(e) }));
  await startNextRun(d);
}

/**
 * Ends a stopped run as `cancelled`: after its bridge saved the partial work (execution_complete), or
 * at once when there is no bridge to wait for, or when the grace period ran out (`lost` says why).
 */
export async function cancelRun(d: SessionDeps, lost: string | null): Promise<void> {
  const s = d.store.getSession();
  if (!s || isTerminal(s.status)) return;
  const summary = summarizeRun(d.store.events(s.run)).agentResult?.summary ?? null;
  const reason = `Stopped by @${s.stoppedBy ?? "someone"}${lost ? `; ${lost}` : ""}`;
  if (
    !settle(d, "cancelled", reason, (x) => {
      x.error = lost;
      x.summary = summary;
    })
  )
    return;
  await syncAlarm(d);
  await writeCommentNow(d);
  if (s.sandboxId)
    await d.provider.stop(s.sandboxId).catch((e) => d.log("sandbox stop failed", { error: String(e) }));
  // The stop cleared the queue; a request made since (during the grace) runs now.
  await startNextRun(d);
}

export async function onTimers(d: SessionDeps, names: readonly string[]): Promise<void> {
  if (names.includes("inbox")) await d.processInbox();
  const s = d.store.getSession();
  if (!s) return;
  const watching = ["stop", "deadline", "connect", "silence"].some((n) => names.includes(n));
  if (isLive(s) && watching && summarizeRun(d.store.events(s.run)).agentResult) {
    // The bridge's end was stored (and acknowledged) but not acted on: act on it, don't fail it.
    await endAgentRun(d);
  } else if (isLive(s) && names.includes("stop")) {
    await cancelRun(
      d,
      `the sandbox did not save its work within ${Math.round(d.config.STOP_GRACE_MS / 1000)} s`,
    );
  } else if (isLive(s) && names.includes("deadline")) {
    await failRun(
      d,
      `The run hit its time limit of ${Math.round(runTimeLimitMs(d.config, s.request) / 60_000)} minutes.`,
    );
  } else if (isLive(s) && names.includes("connect") && s.sandboxConnectedAt === null) {
    // Whether the provider's answer was lost (a reset mid-spawn) or its sandbox never called back,
    // nothing was heard from a sandbox: one message for both.
    reportSpawn(d, {
      ok: false,
      error: `a sandbox never connected within ${Math.round(d.config.SANDBOX_CONNECT_MS / 1000)} s`,
    });
    await failRun(
      d,
      `The sandbox never connected (nothing heard within ${Math.round(d.config.SANDBOX_CONNECT_MS / 1000)} s of asking for it).`,
    );
  } else if (isLive(s) && names.includes("silence")) {
    const quietFor = Math.round((d.now() - (s.lastSandboxContactAt ?? d.now())) / 1000);
    await failRun(d, `The sandbox stopped responding (nothing heard for ${quietFor} s).`);
  }
  if (names.includes("finish")) await completeFinish(d);
  if (names.includes("link")) await linkOrRetry(d);
  if (names.includes("comment")) await writeCommentNow(d);
  // After a final comment landed (or was given up), or as the `next` safety net.
  await startNextRun(d);
}

/**
 * Starts the oldest queued request once the run has ended and its final comment is settled (so the
 * next run never takes over a comment still being written). Also starts a new session's first run.
 */
export async function startNextRun(d: SessionDeps, publicUrl?: string): Promise<void> {
  const s = d.store.getSession();
  if (s && (!isTerminal(s.status) || s.finalCommentPending)) return;
  const next = d.store.queuedRequests()[0];
  const url = s?.publicUrl ?? publicUrl;
  if (next && url) await startRun(d, next, url);
}

/** The terminal move: row fields, request state and timers in one step. False if refused. */
function settle(
  d: SessionDeps,
  status: "completed" | "failed" | "cancelled",
  reason: string | undefined,
  change: (s: SessionRecord) => void,
): boolean {
  const s = transition(d, status, reason, (x) => {
    change(x);
    x.finishedAt = new Date(d.now()).toISOString();
    x.tokenHash = null;
    x.tokenExpiresAt = null;
    x.finalCommentPending = true;
    // The terminal render gets a full budget of attempts of its own, whatever the running edits
    // used up during an outage: it is the one write that must land.
    x.commentFailures = 0;
  });
  if (!s) return false;
  if (s.requestId !== null)
    d.store.setRequestState(s.requestId, status === "cancelled" ? "cancelled" : "done");
  for (const t of RUN_TIMERS) d.store.clearTimer(t);
  // The caller writes the terminal render now; should this object be reset before it lands, the
  // alarm writes it (an identical body is not sent again, so a render that did land costs nothing).
  d.store.setTimer("comment", d.now() + FINAL_COMMENT_GUARD_MS);
  // Should this object be reset before the next run starts, the alarm starts it.
  if (d.store.queuedRequests().length > 0) d.store.setTimer("next", d.now() + NEXT_GUARD_MS);
  return true;
}

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
