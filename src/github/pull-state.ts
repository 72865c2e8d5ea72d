/**
 * Whether the pull request a trigger is on is still open, as the trigger's payload says: an
 * `issue_comment` carries it on the issue (`state`, `pull_request.merged_at`), the review events on
 * `pull_request` (`state`, `merged_at`) (https://docs.github.com/webhooks/webhook-events-and-payloads).
 * Like the rest of the trigger, the state when it was written. A closed or merged pull request's head
 * is left alone by the session (worker/session/session-branch.ts).
 */
import * as z from "zod";

const State = z.enum(["open", "closed"]);
const OnPull = z.object({ pull_request: z.object({ state: State, merged_at: z.string().nullish() }) });
const OnIssue = z.object({
  issue: z.object({ state: State, pull_request: z.object({ merged_at: z.string().nullish() }) }),
});

export type PullState = { state: z.infer<typeof State>; merged: boolean };

/** Null when the payload does not say (then the pull request is taken as open). */
export function pullStateOf(payload: unknown): PullState | null {
  const onPull = OnPull.safeParse(payload);
  if (onPull.success) {
    const pr = onPull.data.pull_request;
    return { state: pr.state, merged: Boolean(pr.merged_at) };
  }
  const onIssue = OnIssue.safeParse(payload);
  if (!onIssue.success) return null;
  const issue = onIssue.data.issue;
  return { state: issue.state, merged: Boolean(issue.pull_request.merged_at) };
}
