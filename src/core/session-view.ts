/**
 * The stored state of a session as renderers see it. The SessionDO builds it from its SQLite rows;
 * the status comment and the transcript page are pure functions of it and the session's events.
 */
import * as z from "zod";
import { SessionStatus } from "./wire.js";

export const SessionView = z.object({
  id: z.string(),
  repo: z.object({ owner: z.string(), name: z.string() }),
  issueNumber: z.number().int(),
  issueTitle: z.string(),
  /** True when the session was started from a pull request rather than an issue. */
  isPullRequest: z.boolean(),
  requester: z.string(),
  /** The instruction of the current run: the triggering comment without the mention. */
  task: z.string(),
  status: SessionStatus,
  run: z.number().int().nonnegative(),
  createdAt: z.string(),
  /** When the current run started and, once terminal, ended (ISO-8601). */
  runStartedAt: z.string(),
  finishedAt: z.string().nullable(),
  branch: z.string(),
  baseBranch: z.string(),
  /** Web URL of the pushed branch, once something was pushed. */
  branchUrl: z.string().nullable(),
  pr: z.object({ number: z.number().int(), url: z.string() }).nullable(),
  /** Capability URL of the transcript page. */
  transcriptUrl: z.string(),
  summary: z.string().nullable(),
  error: z.string().nullable(),
  /** Requests waiting for this run to end, oldest first: they run next, in order, on the same branch. */
  queue: z.array(z.object({ author: z.string(), text: z.string() })).default([]),
  /** Who stopped the run (status `cancelled`), when someone did. */
  stoppedBy: z.string().nullable().default(null),
  /** Queued requests the stop cleared. */
  queueCleared: z.number().int().nonnegative().default(0),
  /** The agent of the current run, and its model when one was chosen (else the agent's default). */
  agent: z.string().default("claude-code"),
  model: z.string().nullable().default(null),
  /** The run's budget of model turns and dollars (null: an older record without one). */
  budget: z.object({ maxTurns: z.number(), maxCostUsd: z.number() }).nullable().default(null),
});
export type SessionView = z.infer<typeof SessionView>;
