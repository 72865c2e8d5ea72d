/**
 * queued → provisioning → running → finishing → completed | failed | cancelled.
 * Every path ends in a terminal state with the comment rendered for it; a failed run still reports
 * (and keeps) what the bridge pushed.
 */
import { branchName } from "../../src/core/branch-name.js";
import { randomToken, sha256Hex } from "../../src/core/sign-link.js";
import type { StartSessionRequest } from "../../src/core/start-session-request.js";
import { type Event, isTerminal, type SandboxSpec, type SessionStatus } from "../../src/core/wire.js";
import { openPullRequest } from "../../src/github/open-pull-request.js";
import { pullRequestText } from "../../src/github/pull-request-text.js";
import { retryAfterOf } from "../../src/github/request-policy.js";
import { backoffMs } from "./backoff.js";
import { requestCommentEdit, writeCommentNow } from "./comment.js";
import type { SessionDeps } from "./session-deps.js";
import type { SessionRecord } from "./session-record.js";
import { clearTimers, setTimer } from "./timers.js";
import { transcriptUrl } from "./transcript-url.js";
import { updateSession } from "./update-session.js";

/** How long a spawned sandbox's token stays valid beyond the run's time limit. */
const TOKEN_GRACE_MS = 10 * 60_000;

export type StartOutcome = "started" | "duplicate" | "busy";

/**
 * Starts a run for an accepted trigger. Idempotent per delivery: the inbox retries a delivery whose
 * handling failed part-way, and a run it already started is not started again.
 */
export async function startRun(
  d: SessionDeps,
  req: StartSessionRequest,
  publicUrl: string,
): Promise<StartOutcome> {
  const now = d.now();
  const previous = d.store.getSession();
  if (previous?.request.deliveryId === req.deliveryId) return "duplicate";
  if (previous && !isTerminal(previous.status)) {
    await replyBusy(d, req, previous);
    return "busy";
  }
  const at = new Date(now).toISOString();
  const run = (previous?.run ?? 0) + 1;
  const record: SessionRecord = {
    sessionId: d.id,
    request: req,
    publicUrl,
    status: "queued",
    run,
    createdAt: previous?.createdAt ?? at,
    runStartedAt: at,
    finishedAt: null,
    branch: previous?.branch ?? branchName(d.config.BRANCH_PREFIX, req.issue.number, req.issue.title),
    baseBranch: previous?.baseBranch ?? req.repo.defaultBranch,
    branchUrl: previous?.branchUrl ?? null,
    pr: previous?.pr ?? null,
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
    finishFailures: 0,
    requestId: null,
    stoppedBy: null,
    queueCleared: 0,
    sandboxConnectedAt: null,
  };
  d.store.putSession(record);
  d.store.appendControlEvent(run, { type: "session_status", data: { status: "queued" } }, at);
  // The status comment is the first answer a person sees: post it before anything slow. A failure
  // here is retried by the comment's own timer; the run goes on.
  await writeCommentNow(d);
  await spawnSandbox(d);
  return "started";
}

async function spawnSandbox(d: SessionDeps): Promise<void> {
  const token = randomToken();
  const s = updateSession(d, (x) => {
    x.status = "provisioning";
  });
  const hash = await sha256Hex(token);
  updateSession(d, (x) => {
    x.tokenHash = hash;
    x.tokenExpiresAt = d.now() + d.config.TIME_LIMIT_MS + TOKEN_GRACE_MS;
  });
  recordStatus(d, s.run, "provisioning");
  const { request: req } = s;
  const bot = `${d.config.APP_SLUG}[bot]`;
  const spec: SandboxSpec = {
    sessionId: d.id,
    run: s.run,
    controlUrl: s.publicUrl,
    token,
    repo: {
      cloneUrl: req.repo.cloneUrl,
      owner: req.repo.owner,
      name: req.repo.name,
      baseBranch: s.baseBranch,
      branch: s.branch,
    },
    prompt: req.prompt,
    agent: "claude-code",
    startSeq: d.store.maxSeq(),
    author: { name: bot, email: `${d.config.APP_ID}+${bot}@users.noreply.github.com` },
    coAuthor: {
      name: req.requester.login,
      email: `${req.requester.id}+${req.requester.login}@users.noreply.github.com`,
    },
    commitTitle: commitTitle(req),
    timeLimitMs: d.config.TIME_LIMIT_MS,
    heartbeatMs: d.config.SANDBOX_HEARTBEAT_MS,
  };
  try {
    const handle = await d.provider.spawn(spec);
    updateSession(d, (x) => {
      x.sandboxId = handle.sandboxId;
      x.lastSandboxContactAt = d.now();
    });
    await setTimer(d, "silence", d.now() + d.config.SANDBOX_SILENCE_MS);
    await setTimer(d, "deadline", d.now() + d.config.TIME_LIMIT_MS + 60_000);
    await requestCommentEdit(d);
  } catch (error) {
    await failRun(d, `Could not start a sandbox: ${errorMessage(error)}`);
  }
}

/** Reacts to events the bridge sent (already stored): status moves, branch link, the end of the run. */
export async function onSandboxEvents(d: SessionDeps, events: readonly Event[]): Promise<void> {
  const s = updateSession(d, (x) => {
    x.lastSandboxContactAt = d.now();
  });
  if (isTerminal(s.status)) return;
  await setTimer(d, "silence", d.now() + d.config.SANDBOX_SILENCE_MS);
  let complete = false;
  for (const e of events) {
    if (e.type === "sandbox_status" && e.data.status === "running_agent" && s.status === "provisioning") {
      updateSession(d, (x) => {
        x.status = "running";
      });
      recordStatus(d, s.run, "running");
    } else if (e.type === "push_complete" && e.data.pushed) {
      const url = `${d.config.GITHUB_URL}/${s.request.repo.owner}/${s.request.repo.name}/tree/${e.data.branch}`;
      updateSession(d, (x) => {
        x.branchUrl = url;
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
  if (complete) await finishRun(d);
  else await requestCommentEdit(d);
}

/** After execution_complete: stop the run's timers, then open the pull request and settle. */
async function finishRun(d: SessionDeps): Promise<void> {
  const s = updateSession(d, (x) => {
    x.status = "finishing";
    x.tokenHash = null;
    x.tokenExpiresAt = null;
  });
  recordStatus(d, s.run, "finishing");
  // The final comment is written below; a pending coalesced edit would only repeat it.
  await clearTimers(d, "silence", "deadline", "comment");
  await completeFinish(d);
}

/** Attempts at opening the pull request before the run is settled as failed (with its branch kept). */
export const MAX_FINISH_FAILURES = 10;

/**
 * Opens (or finds) the pull request and settles the terminal state. Re-entrant: when GitHub refuses
 * for a while, the `finish` timer calls it again with backoff, so a rate limit delays the PR instead
 * of losing it; the run stays `finishing` meanwhile and says so in its comment.
 */
export async function completeFinish(d: SessionDeps): Promise<void> {
  const s = d.store.getSession();
  if (s?.status !== "finishing") return;
  const events = d.store.events(s.run);
  const exec = last(events, "execution_complete");
  const push = last(events, "push_complete");
  const pushError = last(events, "push_error");
  let error = exec?.data.success ? null : (exec?.data.error ?? "The agent did not finish successfully.");
  if (pushError) error = `Pushing the branch failed: ${pushError.data.error}`;
  let pr = s.pr;
  if (push && push.data.commitsAhead > 0 && !s.request.issue.isPullRequest && !pr) {
    try {
      pr = await openRunPullRequest(d, s, exec?.data.summary ?? null, error !== null);
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
  settle(d, error === null ? "completed" : "failed", { pr, error, summary: exec?.data.summary ?? null });
  await writeCommentNow(d);
}

async function openRunPullRequest(
  d: SessionDeps,
  s: SessionRecord,
  summary: string | null,
  draft: boolean,
): Promise<NonNullable<SessionRecord["pr"]>> {
  const text = pullRequestText({
    summary,
    fallbackTitle: s.request.issue.title,
    issueNumber: s.request.issue.number,
    isPullRequest: s.request.issue.isPullRequest,
    requester: s.request.requester.login,
    triggerUrl: s.request.trigger.htmlUrl,
    transcriptUrl: await transcriptUrl(d, s.publicUrl),
  });
  const gh = await d.github(s.request.installationId);
  const opened = await openPullRequest(gh, {
    owner: s.request.repo.owner,
    repo: s.request.repo.name,
    head: s.branch,
    base: s.baseBranch,
    title: text.title,
    body: text.body,
    draft,
  });
  const pr = { number: opened.number, url: opened.url };
  updateSession(d, (x) => {
    x.pr = pr;
  });
  d.store.appendControlEvent(
    s.run,
    { type: "artifact", data: { kind: "pr", url: opened.url, number: opened.number } },
    new Date(d.now()).toISOString(),
  );
  return pr;
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
  settle(d, "failed", { pr: s.pr, error: reason, summary: null });
  await clearTimers(d, "silence", "deadline", "comment", "finish");
  // The terminal comment first: stopping a sandbox waits for its processes to go (seconds).
  await writeCommentNow(d);
  if (s.sandboxId)
    await d.provider.stop(s.sandboxId).catch((e) => d.log("sandbox stop failed", { error: String(e) }));
}

export async function onTimers(d: SessionDeps, names: readonly string[]): Promise<void> {
  if (names.includes("inbox")) await d.processInbox();
  const s = d.store.getSession();
  if (!s) return;
  if (!isTerminal(s.status) && names.includes("deadline")) {
    await failRun(d, `The run hit its time limit of ${Math.round(d.config.TIME_LIMIT_MS / 60_000)} minutes.`);
  } else if (!isTerminal(s.status) && names.includes("silence")) {
    const quietFor = Math.round((d.now() - (s.lastSandboxContactAt ?? d.now())) / 1000);
    await failRun(d, `The sandbox stopped responding (nothing heard for ${quietFor} s).`);
  }
  if (names.includes("finish")) await completeFinish(d);
  if (names.includes("comment")) await writeCommentNow(d);
}

function settle(
  d: SessionDeps,
  status: SessionStatus,
  p: { pr: SessionRecord["pr"]; error: string | null; summary: string | null },
): void {
  const s = updateSession(d, (x) => {
    x.status = status;
    x.pr = p.pr;
    x.error = p.error;
    x.summary = p.summary;
    x.finishedAt = new Date(d.now()).toISOString();
    x.tokenHash = null;
    x.tokenExpiresAt = null;
  });
  recordStatus(d, s.run, status, p.error ?? undefined);
}

function recordStatus(d: SessionDeps, run: number, status: SessionStatus, reason?: string): void {
  const data = reason === undefined ? { status } : { status, reason };
  d.store.appendControlEvent(run, { type: "session_status", data }, new Date(d.now()).toISOString());
}

async function replyBusy(d: SessionDeps, req: StartSessionRequest, s: SessionRecord): Promise<void> {
  const gh = await d.github(req.installationId);
  await gh.rest.issues.createComment({
    owner: req.repo.owner,
    repo: req.repo.name,
    issue_number: req.issue.number,
    body: `@${req.requester.login} I am still working on the previous request here (status: ${s.status}). Please ask again once it has finished.`,
  });
}

function commitTitle(req: StartSessionRequest): string {
  const line = (req.task.split("\n")[0] ?? "").trim();
  const short = line.length > 60 ? `${line.slice(0, 59).trimEnd()}…` : line;
  return `${short.charAt(0).toUpperCase()}${short.slice(1)} (#${req.issue.number})`;
}

function last<T extends Event["type"]>(
  events: readonly Event[],
  type: T,
): Extract<Event, { type: T }> | undefined {
  for (let i = events.length - 1; i >= 0; i--)
    if (events[i]?.type === type) return events[i] as Extract<Event, { type: T }>;
  return undefined;
}

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
