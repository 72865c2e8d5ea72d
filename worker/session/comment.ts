/**
 * The one status comment of a run. Edits are coalesced: at most one per COMMENT_INTERVAL_MS, driven
 * by the `comment` timer; terminal states write at once. Writes are serialized so an older render
 * can never land after a newer one, and a body identical to the last one GitHub accepted is not sent.
 *
 * A write GitHub refuses for a while (5xx, rate limits) is retried from the session's alarm with
 * backoff, honouring `retry-after`, until it lands or MAX_COMMENT_FAILURES is reached; then an error
 * event records it. A comment someone deleted (404) is recreated once; deleted again, the run stops
 * writing it. The comment is always rendered from stored state, never read back from GitHub.
 */
import { renderStatusComment } from "../../src/core/render-status-comment.js";
import { sha256Hex } from "../../src/core/sign-link.js";
import { isTerminal } from "../../src/core/wire.js";
import { placeOf, postReply } from "../../src/github/post-reply.js";
import { retryAfterOf } from "../../src/github/request-policy.js";
import { backoffMs } from "./backoff.js";
import type { SessionDeps } from "./session-deps.js";
import { currentView } from "./session-view.js";
import { setTimer } from "./timers.js";
import { updateSession } from "./update-session.js";

/**
 * With backoff capped at a minute, about a quarter of an hour of trying; under a rate limit, twenty of
 * the waits GitHub names.
 */
export const MAX_COMMENT_FAILURES = 20;

const chains = new WeakMap<SessionDeps, Promise<void>>();

/** The longest interval between edits of a running comment, however long the run. */
export const MAX_COMMENT_INTERVAL_MS = 120_000;

/**
 * The interval between edits of a running comment: COMMENT_INTERVAL_MS at first, then a fifteenth
 * of the run's age, up to two minutes. A reader of a young run wants to see each step; an hour-long
 * run is followed in the transcript, and every edit is a write to GitHub (about 85 for an hour's
 * busy run, instead of 1,200 at a fixed 3 s).
 */
export function commentIntervalMs(d: SessionDeps, runStartedAt: string): number {
  const age = d.now() - Date.parse(runStartedAt);
  const grown = Number.isFinite(age) ? age / 15 : 0;
  return Math.max(d.config.COMMENT_INTERVAL_MS, Math.min(MAX_COMMENT_INTERVAL_MS, grown));
}

/** Asks for an edit soon: now if the last edit is old enough, else when the interval has passed. */
export async function requestCommentEdit(d: SessionDeps): Promise<void> {
  const s = d.store.getSession();
  if (!s || s.commentId === null) return;
  if (d.store.timers().some((t) => t.name === "comment")) return;
  await setTimer(
    d,
    "comment",
    Math.max(d.now(), (s.lastCommentAt ?? 0) + commentIntervalMs(d, s.runStartedAt)),
  );
}

/** Renders and writes the comment now (creating it if the run has none yet). Never rejects. */
export function writeCommentNow(d: SessionDeps): Promise<void> {
  const next = (chains.get(d) ?? Promise.resolve()).then(() =>
    writeComment(d).catch((error) => onWriteFailed(d, error)),
  );
  chains.set(d, next);
  return next;
}

export async function renderComment(d: SessionDeps): Promise<string | null> {
  const view = await currentView(d);
  if (!view) return null;
  // The current run's events, by run number: earlier runs of the session are not this comment's.
  return renderStatusComment(view, d.store.events(view.run), new Date(d.now()));
}

async function writeComment(d: SessionDeps): Promise<void> {
  const s = d.store.getSession();
  if (!s) return;
  if (s.commentGone) {
    if (isTerminal(s.status)) settleFinal(d, s.run);
    return;
  }
  const body = await renderComment(d);
  if (body === null) return;
  const hash = await sha256Hex(body);
  if (s.commentId !== null && hash === s.lastCommentHash) {
    if (isTerminal(s.status)) settleFinal(d, s.run);
    return;
  }
  const gh = await d.github(s.request.installationId);
  const { owner, name } = s.request.repo;
  const written = (x: typeof s) => {
    x.lastCommentAt = d.now();
    x.lastCommentHash = hash;
    x.commentFailures = 0;
    // The terminal render landed: the next run may start (it gets a comment of its own).
    if (isTerminal(s.status)) x.finalCommentPending = false;
  };
  if (s.commentId === null) {
    // Where it was asked: a review thread on the diff gets the run's comment as a reply there.
    const data = await postReply(gh, placeOf(s.request), body);
    updateSession(d, (x) => {
      // A new run may have started while this one's comment was being created.
      if (x.run !== s.run) return;
      x.commentId = data.id;
      written(x);
    });
    if (isTerminal(s.status)) return settleFinal(d, s.run);
    return spaceNextEdit(d);
  }
  try {
    if (s.request.replyTo.kind === "review_thread")
      await gh.rest.pulls.updateReviewComment({ owner, repo: name, comment_id: s.commentId, body });
    else await gh.rest.issues.updateComment({ owner, repo: name, comment_id: s.commentId, body });
  } catch (error) {
    if ((error as { status?: number }).status !== 404) throw error;
    if (s.commentRecreated) return giveUpDeleted(d, s.run, s.commentId);
    // Someone deleted the status comment: put it back once, so the run still ends visibly.
    d.log("status comment was deleted; recreating it once", { commentId: s.commentId });
    updateSession(d, (x) => {
      x.commentId = null;
      x.commentRecreated = true;
    });
    return writeComment(d);
  }
  updateSession(d, (x) => {
    if (x.run === s.run) written(x);
  });
  if (isTerminal(s.status)) return settleFinal(d, s.run);
  await spaceNextEdit(d);
}

/**
 * An edit asked for while this one was with GitHub was timed from the edit before it, so it is often
 * due already and would follow this one at once: two writes per interval for as long as the bridge
 * streams. It goes a whole interval after this one landed. (A terminal render never waits on this
 * timer: it is written at once.)
 */
async function spaceNextEdit(d: SessionDeps): Promise<void> {
  const s = d.store.getSession();
  const next = d.store.timers().find((t) => t.name === "comment");
  if (!s || s.lastCommentAt === null || !next) return;
  const earliest = s.lastCommentAt + commentIntervalMs(d, s.runStartedAt);
  if (next.due < earliest) await setTimer(d, "comment", earliest);
}

/**
 * The recreated comment was deleted too: the person means it. Said once (log and an error event) and
 * no further write this run; thrown on as a failure instead, every later edit (one per interval while
 * the run goes on) would be another 404 to GitHub and another error event in the run's log.
 */
function giveUpDeleted(d: SessionDeps, run: number, commentId: number): void {
  d.log("status comment was deleted again; not writing it any more this run", { commentId });
  d.store.appendControlEvent(
    run,
    {
      type: "error",
      data: { message: "The status comment was deleted twice; this run does not post it again." },
    },
    new Date(d.now()).toISOString(),
  );
  const s = updateSession(d, (x) => {
    if (x.run !== run) return;
    x.commentId = null;
    x.commentGone = true;
    x.commentFailures = 0;
  });
  if (isTerminal(s.status)) settleFinal(d, run);
}

/** The run's final comment is settled (landed, unchanged, or given up): the queue may move on. */
function settleFinal(d: SessionDeps, run: number): void {
  const s = updateSession(d, (x) => {
    if (x.run === run) x.finalCommentPending = false;
  });
  // The guard the end set (lifecycle's settle) is not needed any more.
  if (s.run === run) d.store.clearTimer("comment");
}

async function onWriteFailed(d: SessionDeps, error: unknown): Promise<void> {
  const s = d.store.getSession();
  if (!s) return;
  const failures = s.commentFailures + 1;
  const status = (error as { status?: number }).status;
  const message = error instanceof Error ? error.message : String(error);
  // Set only when GitHub failed for a while; any other answer would be the same on every try.
  const retryAfter = retryAfterOf(error);
  if (failures >= MAX_COMMENT_FAILURES || retryAfter === undefined) {
    d.log("status comment write failed for good", { failures, status, error: message });
    d.store.appendControlEvent(
      s.run,
      {
        type: "error",
        data: { message: `The status comment could not be written after ${failures} attempts: ${message}` },
      },
      new Date(d.now()).toISOString(),
    );
    updateSession(d, (x) => {
      x.commentFailures = 0;
    });
    if (isTerminal(s.status)) settleFinal(d, s.run);
    return;
  }
  updateSession(d, (x) => {
    x.commentFailures = failures;
  });
  // A rate limit (403, 429) names its wait (retry-after, x-ratelimit-reset, or GitHub's one-minute
  // rule): that is the wait. Backoff is for failures that name none (5xx, no answer): grown by failed
  // running edits, it would otherwise hold the terminal render far longer than GitHub asked.
  // At least a second even so: a `retry-after: 0` must not spend every attempt in one instant.
  const wait =
    status === 403 || status === 429
      ? Math.max(retryAfter, 1_000)
      : Math.max(retryAfter, backoffMs(failures));
  d.log("status comment write failed; retrying from the alarm", {
    failures,
    status,
    waitMs: wait,
    error: message,
  });
  await setTimer(d, "comment", d.now() + wait);
}
