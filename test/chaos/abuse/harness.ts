/**
 * The abuse cases' view of the stack: who wrote what on GitHub, when a run has ended, when the stack
 * has gone quiet, and a model script that plays a different part for each run.
 */
import type { ModelScript, RecordedRequest } from "../../../src/demo/model-server.js";
import type { Stack } from "../../../src/demo/start-stack.js";
import { waitFor } from "../../../src/demo/wait-for.js";

/** Routes a model request to the script whose key its conversation contains, else to `fallback`. */
export function routedScript(
  requests: () => readonly RecordedRequest[],
  routes: ReadonlyMap<string, ModelScript>,
  fallback: ModelScript,
): ModelScript {
  return (ctx) => {
    // The model server records a request, then calls the script with no await in between: the last
    // recorded request is the one being answered.
    const text = JSON.stringify(requests().at(-1)?.body ?? "");
    for (const [key, script] of routes) if (text.includes(key)) return script(ctx);
    return fallback(ctx);
  };
}

/** Answers with text only: the cheapest run the real CLI can make. */
export const textOnlyScript: ModelScript = () => ({
  blocks: [{ type: "text", text: "Nothing to change\n\nThe request needs no edit to the repository." }],
});

export const botComments = (stack: Stack, issueNumber?: number) =>
  stack.github.state.comments.filter(
    (c) =>
      c.user === stack.github.app.botLogin && (issueNumber === undefined || c.issueNumber === issueNumber),
  );

/** Every write the bot made to the GitHub API since log index `from` (reads excluded). */
export const apiWritesSince = (stack: Stack, from: number) =>
  stack.github.log.slice(from).filter((l) => l.path.startsWith("/api/v3") && l.method !== "GET");

const TERMINAL = /^### (✅|❌|⏹️)/mu;
const TRANSCRIPT = /\((http:\/\/127\.0\.0\.1:\d+\/sessions\/([0-9a-f]{64})\?token=([^)\s]+))\)/;

export type FinishedRun = {
  statusCommentId: number;
  body: string;
  sessionId: string;
  transcriptUrl: string;
  eventsUrl: string;
  linkToken: string;
};

/** Waits for the issue's status comment to reach a terminal state and for its sandboxes to exit. */
export async function finishedRun(
  stack: Stack,
  issueNumber: number,
  timeoutMs = 90_000,
): Promise<FinishedRun> {
  const comment = await waitFor(
    `a terminal status comment on #${issueNumber}`,
    () => botComments(stack, issueNumber).find((c) => TERMINAL.test(c.body)),
    timeoutMs,
  );
  const m = TRANSCRIPT.exec(comment.body);
  if (!m)
    throw new Error(
      `the terminal status comment on #${issueNumber} has no transcript link:\n${comment.body}`,
    );
  const [, transcriptUrl, sessionId, linkToken] = m as unknown as [string, string, string, string];
  await waitFor(
    `the sandboxes of session ${sessionId.slice(0, 12)} to exit`,
    () => [...stack.host.sandboxes.values()].every((s) => s.sessionId !== sessionId || !s.running),
    30_000,
  );
  return {
    statusCommentId: comment.id,
    body: comment.body,
    sessionId,
    transcriptUrl,
    eventsUrl: transcriptUrl.replace(`/sessions/${sessionId}?`, `/sessions/${sessionId}/events?`),
    linkToken,
  };
}

/**
 * Resolves once nothing has happened for `idleMs`: no GitHub request, no model request, no sandbox
 * running or started. Bounded: false when the stack was still busy after `maxMs`.
 */
export async function quiet(stack: Stack, idleMs = 2_000, maxMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  const activity = () =>
    `${stack.github.log.length}/${stack.model.requests.length}/${stack.host.sandboxes.size}/${
      [...stack.host.sandboxes.values()].filter((s) => s.running).length
    }`;
  let last = activity();
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const now = activity();
    const running = [...stack.host.sandboxes.values()].some((s) => s.running);
    if (now !== last || running) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= idleMs) return true;
  }
  return false;
}

/** Every string inside a JSON-like value, keys included. */
export function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) allStrings(v, out);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      allStrings(v, out);
    }
  }
  return out;
}
