/**
 * The session row. Stored as one JSON document validated on every read, so adding a field is a
 * schema change in one place rather than an ALTER TABLE.
 */
import * as z from "zod";
import { StartSessionRequest } from "../../src/core/start-session-request.js";
import { SessionStatus } from "../../src/core/wire.js";

export const SessionRecord = z.object({
  sessionId: z.string(),
  request: StartSessionRequest,
  publicUrl: z.string(),
  status: SessionStatus,
  run: z.number().int().nonnegative(),
  createdAt: z.string(),
  runStartedAt: z.string(),
  finishedAt: z.string().nullable(),
  branch: z.string(),
  baseBranch: z.string(),
  branchUrl: z.string().nullable(),
  pr: z.object({ number: z.number().int(), url: z.string() }).nullable(),
  summary: z.string().nullable(),
  error: z.string().nullable(),
  /** Id of this run's status comment; we edit it by id and never search for it. */
  commentId: z.number().int().nullable(),
  sandboxId: z.string().nullable(),
  tokenHash: z.string().nullable(),
  tokenExpiresAt: z.number().nullable(),
  lastSandboxContactAt: z.number().nullable(),
  lastCommentAt: z.number().nullable(),
  /** SHA-256 of the last body GitHub accepted: an identical render is never sent again. */
  lastCommentHash: z.string().nullable().default(null),
  /** Consecutive failed writes of the status comment; reset by a successful one. */
  commentFailures: z.number().int().nonnegative().default(0),
  /** The run's comment was deleted by someone and recreated once; a second deletion is respected. */
  commentRecreated: z.boolean().default(false),
  /** The recreated comment was deleted too: this run writes no status comment any more. */
  commentGone: z.boolean().default(false),
  /** Failed attempts at opening the pull request for this run. */
  finishFailures: z.number().int().nonnegative().default(0),
  /** The stored request (requests table) this run carries out. */
  requestId: z.number().int().positive().nullable().default(null),
  /** Who stopped the run, when someone did. */
  stoppedBy: z.string().nullable().default(null),
  /** Queued requests a stop cleared, so the comment can say so. */
  queueCleared: z.number().int().nonnegative().default(0),
  /** The `<repoId>#<number>` key the session was created under; its pull request links back to it. */
  sessionKey: z.string().nullable().default(null),
  /** The session began on a pull request it did not open: it never opens one of its own. */
  originIsPullRequest: z.boolean().default(false),
  /** The pull request is linked to this session (worker/session-links.ts). */
  prLinked: z.boolean().default(false),
  /** The run ended but its final comment has not landed (or been given up) yet: the next run waits. */
  finalCommentPending: z.boolean().default(false),
  /** Failed attempts at linking the pull request to the session (retried by the `link` timer). */
  linkFailures: z.number().int().nonnegative().default(0),
  /** The commit the session last pushed to its branch (see SandboxSpec.repo.ownSha). */
  lastPushedSha: z.string().nullable().default(null),
  /** Seqs of this run's events start after this one (the spec's startSeq). */
  startSeq: z.number().int().nonnegative().default(0),
  /** When the run's sandbox first connected; until then the `connect` timer runs. */
  sandboxConnectedAt: z.number().nullable().default(null),
});
export type SessionRecord = z.infer<typeof SessionRecord>;
