/**
 * The first answer a person gets, in a warm isolate on a thread the bot has never seen: the usual
 * case once a deployment has served its first webhook (a new issue is a new session object, with
 * no token, config or permission cached). `@understudy help` on a new issue, `n` times: webhook
 * sent → 👀 and → the help reply, at the GitHub stand-in. (A run's status comment follows the same
 * path as the help reply: config, permission, 👀, then one comment.)
 */
import type { Stack } from "../src/demo/start-stack.js";
import { waitFor } from "../src/demo/wait-for.js";

export type FirstAnswer = { reactionMs: number; replyMs: number };

export async function newThreadFirstAnswers(stack: Stack, n: number): Promise<FirstAnswer[]> {
  const { github } = stack;
  const out: FirstAnswer[] = [];
  for (let i = 0; i < n; i++) {
    const issueNumber = stack.createIssue(`Bench question ${i + 1}`);
    const sent = await stack.comment("@understudy help", { issueNumber });
    const reaction = await waitFor("the 👀 on a new thread", () =>
      github.state.reactions.find((r) => r.commentId === sent.commentId),
    );
    const reply = await waitFor("the help reply", () =>
      github.state.comments.find((c) => c.issueNumber === issueNumber && c.user === github.app.botLogin),
    );
    out.push({
      reactionMs: reaction.createdAt - sent.receivedAt,
      replyMs: reply.createdAt - sent.receivedAt,
    });
  }
  return out;
}

/** The value below which `p` of the samples lie (nearest rank). */
export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
