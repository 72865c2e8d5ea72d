/**
 * A `pull_request` event that moves a pull request's head (opened, reopened, synchronize): which
 * head, from when. The Worker records it so that a trigger can start from the head the pull request
 * had when its comment was written (src/github/pin-pull.ts). Times are GitHub's, like the comment's.
 */
import * as z from "zod";

const HEAD_ACTIONS = ["opened", "reopened", "synchronize"] as const;

const PullRequestEvent = z.object({
  action: z.string(),
  number: z.number().int().positive(),
  pull_request: z.object({
    head: z.object({ sha: z.string().regex(/^[0-9a-f]{40}$/) }),
    updated_at: z.string(),
  }),
  repository: z.object({ id: z.number().int() }),
});

export type PullHead = { repoId: number; number: number; sha: string; atMs: number };

export function pullHeadEvent(payload: unknown): PullHead | null {
  const parsed = PullRequestEvent.safeParse(payload);
  if (!parsed.success) return null;
  const p = parsed.data;
  if (!(HEAD_ACTIONS as readonly string[]).includes(p.action)) return null;
  const atMs = Date.parse(p.pull_request.updated_at);
  if (!Number.isFinite(atMs)) return null;
  return { repoId: p.repository.id, number: p.number, sha: p.pull_request.head.sha, atMs };
}
