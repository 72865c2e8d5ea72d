/**
 * What must hold for one session after a fault, read from the outside the way a user (GitHub) and an
 * auditor (the stored events) see it: the status comment's final state, every event stored once and
 * in order, the agent's work on the session branch, the pull request when there was work.
 *
 * Each failed check is a problem in one of three buckets: `lost` (something that should be there is
 * not: a terminal comment, an event, the work, a PR), `letIn` (something is there twice or should not
 * be at all: a second comment, run, sandbox, PR or event), or `other` (wrong but neither, e.g. a run
 * that failed where it should have completed).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { SessionEvent } from "../../../src/core/session-event.js";
import type { SessionView } from "../../../src/core/session-view.js";
import type { Event } from "../../../src/core/wire.js";
import type { Stack } from "../../../src/demo/start-stack.js";
import { WORK_FILE, WORK_TEXT } from "./chaos-scripts.js";

export type Expectation = {
  status: "completed" | "failed";
  /**
   * pushed: the agent's file is on the session branch and a PR is open for it.
   * none: nothing pushed, no PR.
   * kept: the bridge could not push (it was killed): the file stays in the sandbox directory, no PR.
   */
  work: "pushed" | "none" | "kept";
  /** False when the bridge is killed: then no execution_complete can be stored. Default true. */
  bridgeFinishes?: boolean;
  /** Must appear in the final comment (e.g. why it failed). */
  commentMatches?: RegExp;
};

export type ProblemKind = "lost" | "letIn" | "other";
export type Problem = { kind: ProblemKind; what: string };

export type SessionOutcome = {
  issueNumber: number;
  sessionId: string | null;
  problems: Problem[];
};

export type Trigger = { issueNumber: number; commentId: number };

const TERMINAL_HEADER = { completed: "### ✅ Done", failed: "### ❌ Failed" } as const;
const TERMINAL = /^### (✅ Done|❌ Failed|⏹️ Stopped)/u;
const LINK = /\((http:\/\/127\.0\.0\.1:\d+)\/sessions\/([0-9a-f]{64})\?token=([^)\s]+)\)/;

export function botCommentsOn(stack: Stack, issueNumber: number) {
  return stack.github.state.comments.filter(
    (c) => c.user === stack.github.app.botLogin && c.issueNumber === issueNumber,
  );
}

/** The first line of the session's status comment, or undefined while it has none. */
export function statusHeader(stack: Stack, issueNumber: number): string | undefined {
  return botCommentsOn(stack, issueNumber)[0]?.body.split("\n")[0];
}

export const isTerminalHeader = (header: string | undefined): boolean => TERMINAL.test(header ?? "");

/** The session's id and transcript token, from the link in its status comment. */
export function transcriptLink(body: string): { id: string; token: string } | null {
  const m = LINK.exec(body);
  return m ? { id: m[2]!, token: m[3]! } : null;
}

/** GET /sessions/:id/events on the control plane itself (not through any fault proxy). */
export async function readEvents(
  stack: Stack,
  link: { id: string; token: string },
): Promise<{ view: SessionView; events: Event[] } | null> {
  // Bounded retry: the control plane may be coming back from a restart.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const res = await fetch(`${stack.controlPlane.url}/sessions/${link.id}/events?token=${link.token}`, {
        signal: AbortSignal.timeout(10_000),
      });
      if (res.ok) {
        const data = (await res.json()) as { view: SessionView; events: SessionEvent[] };
        return { view: data.view, events: data.events.map((e) => e.event) };
      }
      await res.body?.cancel();
    } catch {
      // retried below
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return null;
}

export async function checkSession(stack: Stack, t: Trigger, expect: Expectation): Promise<SessionOutcome> {
  const problems: Problem[] = [];
  const lost = (what: string) => problems.push({ kind: "lost", what });
  const letIn = (what: string) => problems.push({ kind: "letIn", what });
  const other = (what: string) => problems.push({ kind: "other", what });
  const { github, owner, repo } = stack;
  const outcome: SessionOutcome = { issueNumber: t.issueNumber, sessionId: null, problems };

  // The 👀 on the trigger: exactly one.
  const eyes = github.state.reactions.filter(
    (r) => r.commentId === t.commentId && r.content === "eyes" && r.user === github.app.botLogin,
  ).length;
  if (eyes === 0) lost("no 👀 on the trigger");
  if (eyes > 1) letIn(`${eyes} 👀 on the trigger`);

  // One status comment, final, and never edited back to a working state once final.
  const comments = botCommentsOn(stack, t.issueNumber);
  if (comments.length === 0) {
    lost("no status comment");
    return outcome;
  }
  if (comments.length > 1) letIn(`${comments.length} bot comments on the issue`);
  const status = comments[0]!;
  const header = status.body.split("\n")[0] ?? "";
  if (!isTerminalHeader(header)) lost(`status comment left on "${header.replace(/ · .*/, "")}"`);
  else if (!header.startsWith(TERMINAL_HEADER[expect.status])) {
    other(`ended "${header.replace(/ · .*/, "")}", expected "${TERMINAL_HEADER[expect.status]}"`);
  }
  const firstFinal = status.history.findIndex((h) => isTerminalHeader(h.body));
  if (firstFinal >= 0 && status.history.slice(firstFinal).some((h) => !isTerminalHeader(h.body))) {
    other("status comment edited back to a working state after its final edit");
  }
  if (expect.commentMatches && !expect.commentMatches.test(status.body)) {
    other(`final comment does not say ${expect.commentMatches}`);
  }

  const link = transcriptLink(status.body);
  if (!link) {
    other("status comment has no transcript link");
    return outcome;
  }
  outcome.sessionId = link.id;
  const data = await readEvents(stack, link);
  if (!data) {
    lost("transcript events unreadable");
    return outcome;
  }
  const { view, events } = data;
  if (view.status !== expect.status) other(`session ${view.status}, expected ${expect.status}`);

  // Sandbox events: seq 1, 2, 3, … in stored order (one run per session here), each once.
  const seqs = events.filter((e) => e.seq > 0).map((e) => e.seq);
  if (view.run === 1 && seqs.length > 0 && seqs[0] !== 1) lost(`sandbox events start at seq ${seqs[0]}`);
  if (seqs.length === 0) lost("no sandbox events stored");
  for (let i = 1; i < seqs.length; i++) {
    const [prev, seq] = [seqs[i - 1]!, seqs[i]!];
    if (seq === prev) letIn(`seq ${seq} stored twice`);
    else if (seq < prev) other(`seq ${seq} stored after ${prev}`);
    else if (seq > prev + 1) lost(`seqs ${prev + 1}..${seq - 1} missing`);
  }
  const completes = events.filter((e) => e.type === "execution_complete").length;
  if (expect.bridgeFinishes !== false && completes === 0) lost("no execution_complete stored");
  if (completes > 1) letIn(`${completes} execution_complete events`);
  if (events.some((e) => e.type === "heartbeat" && e.seq === 0)) other("a heartbeat with seq 0");

  // Control-plane events (seq 0): the session's statuses, from queued to exactly one terminal state.
  const statuses = events
    .filter((e): e is Extract<Event, { type: "session_status" }> => e.type === "session_status")
    .map((e) => ({ seq: e.seq, status: e.data.status }));
  if (statuses.some((s) => s.seq !== 0)) other("a session_status not stored by the control plane");
  if (statuses[0]?.status !== "queued") other(`first status ${statuses[0]?.status}, not queued`);
  const terminal = statuses.filter((s) => ["completed", "failed", "cancelled"].includes(s.status));
  if (terminal.length === 0) lost("no terminal session_status stored");
  if (terminal.length > 1)
    letIn(`finished ${terminal.length} times (${terminal.map((s) => s.status).join(", ")})`);
  if (statuses.at(-1)?.status !== expect.status) other(`last stored status ${statuses.at(-1)?.status}`);

  // One sandbox for the one run.
  const sandboxes = [...stack.host.sandboxes.values()].filter((s) => s.sessionId === link.id);
  if (sandboxes.length > 1) letIn(`${sandboxes.length} sandboxes for one run`);
  const inSandbox = sandboxes.some((s) => existsSync(path.join(s.dir, "repo", WORK_FILE)));

  // The work: on the branch (and in a PR) or, when the bridge was killed, kept in its directory.
  const onBranch = await github
    .git(owner, repo, "show", `${view.branch}:${WORK_FILE}`)
    .catch(() => null as string | null);
  const pulls = github.state.pulls.filter((p) => p.head === view.branch);
  if (pulls.length > 1) letIn(`${pulls.length} PRs for one branch`);
  if (onBranch !== null && pulls.length === 0) lost("branch pushed without a PR");
  const pushedEvent = events.some((e) => e.type === "push_complete" && e.data.pushed);
  if (pushedEvent && onBranch === null) lost("push_complete stored but the branch lacks the work");
  if (expect.work === "pushed") {
    if (onBranch === null) {
      // Say why, from the bridge's own account: a failed commit or push is a push_error event.
      const why = events
        .filter((e): e is Extract<Event, { type: "push_error" }> => e.type === "push_error")
        .map((e) => e.data.error.slice(0, 300));
      const because = why.length > 0 ? ` (${why.join("; ")})` : "";
      lost(`${inSandbox ? "work left in the sandbox, not pushed" : "no work on the branch"}${because}`);
    } else if (!onBranch.includes(WORK_TEXT)) lost("the branch has a different file");
    const pr = pulls[0];
    if (pr && !status.body.includes(`/pull/${pr.number}`)) other("final comment does not link the PR");
  } else if (expect.work === "none") {
    if (onBranch !== null) other("something was pushed");
    if (pulls.length > 0) other("a PR was opened");
  } else {
    if (onBranch !== null) other("pushed although the bridge was killed");
    if (pulls.length > 0) other("a PR was opened");
    if (!inSandbox) lost("the agent's work is gone from the sandbox directory");
  }
  return outcome;
}
