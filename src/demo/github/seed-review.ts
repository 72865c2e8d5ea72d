import { ensureUser } from "./ensure-user.js";
import type { GitHubStandIn } from "./github-stand-in.js";
import { nextId } from "./next-id.js";
import { now } from "./now.js";
import { reviewStateOf, type StandInReview, type StandInReviewComment } from "./review-state.js";

async function pullTips(gh: GitHubStandIn, owner: string, repo: string, pullNumber: number) {
  const pull = gh.state.pulls.find((p) => p.owner === owner && p.repo === repo && p.number === pullNumber);
  if (!pull) throw new Error(`no pull request #${pullNumber} in ${owner}/${repo}`);
  return {
    head: await gh.git(owner, repo, "rev-parse", `refs/heads/${pull.head}`),
    base: await gh.git(owner, repo, "rev-parse", `refs/heads/${pull.base}`),
  };
}

/**
 * A review comment a person wrote on a line of a pull request's diff (a new thread, or a reply in
 * one), at the pull request's current head.
 */
export async function seedReviewComment(
  gh: GitHubStandIn,
  opts: {
    owner: string;
    repo: string;
    pullNumber: number;
    path: string;
    line?: number;
    diffHunk?: string;
    body: string;
    user: string;
    inReplyTo?: number;
  },
): Promise<StandInReviewComment> {
  const tips = await pullTips(gh, opts.owner, opts.repo, opts.pullNumber);
  ensureUser(gh.state, opts.user);
  // A reply is on the line of its thread's first comment, as GitHub shows it.
  const root = reviewStateOf(gh.state).comments.find((c) => c.id === opts.inReplyTo);
  const at = now();
  const comment: StandInReviewComment = {
    id: nextId(gh.state),
    owner: opts.owner,
    repo: opts.repo,
    pullNumber: opts.pullNumber,
    reviewId: nextId(gh.state),
    path: root?.path ?? opts.path,
    line: root?.line ?? opts.line ?? 1,
    diffHunk: root?.diffHunk ?? opts.diffHunk ?? `@@ -0,0 +1 @@\n+${opts.path}`,
    commitId: tips.head,
    baseSha: tips.base,
    inReplyTo: opts.inReplyTo ?? null,
    body: opts.body,
    user: opts.user,
    createdAt: at,
    updatedAt: at,
    history: [{ body: opts.body, at }],
  };
  reviewStateOf(gh.state).comments.push(comment);
  return comment;
}

/** A review a person submitted, with a summary (`body`), at the pull request's current head. */
export async function seedReview(
  gh: GitHubStandIn,
  opts: {
    owner: string;
    repo: string;
    pullNumber: number;
    body: string | null;
    user: string;
    state?: StandInReview["state"];
  },
): Promise<StandInReview> {
  const tips = await pullTips(gh, opts.owner, opts.repo, opts.pullNumber);
  ensureUser(gh.state, opts.user);
  const review: StandInReview = {
    id: nextId(gh.state),
    owner: opts.owner,
    repo: opts.repo,
    pullNumber: opts.pullNumber,
    body: opts.body,
    user: opts.user,
    state: opts.state ?? "commented",
    commitId: tips.head,
    baseSha: tips.base,
    submittedAt: now(),
  };
  reviewStateOf(gh.state).reviews.push(review);
  return review;
}
