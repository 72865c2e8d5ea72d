/**
 * Pull request reviews and review comments on the diff, kept beside the stand-in's state (one per
 * StandInState), with the ids of the same counter so no id means two things.
 */
import type { StandInState } from "./stand-in-state.js";

export type StandInReviewComment = {
  id: number;
  owner: string;
  repo: string;
  pullNumber: number;
  reviewId: number;
  path: string;
  line: number;
  diffHunk: string;
  /** The pull request's head and base when the comment was written (webhooks render them). */
  commitId: string;
  baseSha: string;
  /** The thread's first comment, for a reply. */
  inReplyTo: number | null;
  body: string;
  user: string;
  createdAt: number;
  updatedAt: number;
  history: Array<{ body: string; at: number }>;
};

export type StandInReview = {
  id: number;
  owner: string;
  repo: string;
  pullNumber: number;
  body: string | null;
  user: string;
  state: "commented" | "approved" | "changes_requested";
  commitId: string;
  baseSha: string;
  submittedAt: number;
};

export type ReviewState = { comments: StandInReviewComment[]; reviews: StandInReview[] };

const byState = new WeakMap<StandInState, ReviewState>();

export function reviewStateOf(state: StandInState): ReviewState {
  let r = byState.get(state);
  if (!r) {
    r = { comments: [], reviews: [] };
    byState.set(state, r);
  }
  return r;
}
