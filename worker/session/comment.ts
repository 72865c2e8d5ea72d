/**
 * The one status comment of a run. Edits are coalesced: at most one per COMMENT_INTERVAL_MS, driven
 * by the `comment` timer; terminal states flush at once. Writes are serialized so an older render
 * can never land after a newer one. The comment is always rendered from stored state, never read
 * back from GitHub.
 */
import { renderStatusComment } from "../../src/core/render-status-comment.js";
import type { SessionDeps } from "./session-deps.js";
import { toSessionView } from "./session-view.js";
import { setTimer } from "./timers.js";
import { transcriptUrl } from "./transcript-url.js";
import { updateSession } from "./update-session.js";

const chains = new WeakMap<SessionDeps, Promise<void>>();

/** Asks for an edit soon: now if the last edit is old enough, else when the interval has passed. */
export async function requestCommentEdit(d: SessionDeps): Promise<void> {
  const s = d.store.getSession();
  if (!s || s.commentId === null) return;
  if (d.store.timers().some((t) => t.name === "comment")) return;
  await setTimer(d, "comment", Math.max(d.now(), (s.lastCommentAt ?? 0) + d.config.COMMENT_INTERVAL_MS));
}

/** Renders and writes the comment now (creating it if the run has none yet). */
export function writeCommentNow(d: SessionDeps): Promise<void> {
  const next = (chains.get(d) ?? Promise.resolve()).then(() =>
    writeComment(d).catch((error) => d.log("status comment write failed", { error: String(error) })),
  );
  chains.set(d, next);
  return next;
}

export async function renderComment(d: SessionDeps): Promise<string | null> {
  const s = d.store.getSession();
  if (!s) return null;
  const view = toSessionView(s, await transcriptUrl(d, s.publicUrl));
  return renderStatusComment(view, d.store.events(s.run), new Date(d.now()));
}

async function writeComment(d: SessionDeps): Promise<void> {
  const s = d.store.getSession();
  if (!s) return;
  const body = await renderComment(d);
  if (body === null) return;
  const gh = await d.github(s.request.installationId);
  const { owner, name } = s.request.repo;
  if (s.commentId === null) {
    const { data } = await gh.rest.issues.createComment({
      owner,
      repo: name,
      issue_number: s.request.issue.number,
      body,
    });
    updateSession(d, (x) => {
      x.commentId = data.id;
      x.lastCommentAt = d.now();
    });
  } else {
    await gh.rest.issues.updateComment({ owner, repo: name, comment_id: s.commentId, body });
    updateSession(d, (x) => {
      x.lastCommentAt = d.now();
    });
  }
}
