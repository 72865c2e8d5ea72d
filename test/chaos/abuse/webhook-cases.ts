/**
 * Abuse cases at the webhook's front door: signatures that must not verify, and deliveries that must
 * not be processed twice.
 */
import { createHmac, randomUUID } from "node:crypto";
import { expect } from "vitest";
import { waitFor } from "../../../src/demo/wait-for.js";
import { type AbuseContext, settle } from "./abuse-context.js";
import { nonce } from "./corpus.js";
import { apiWritesSince, botComments, finishedRun, quiet } from "./harness.js";
import type { RawAnswer } from "./raw-http.js";

/** Wrong secret, flipped bytes, the wrong algorithm, an empty secret, a missing header: 401, nothing starts. */
export async function invalidSignatures(ctx: AbuseContext): Promise<void> {
  const { stack, sign, deliver, commentPayload, reactionsOn } = ctx;
  const issue = stack.createIssue("Signature checks");
  const { body, commentId } = commentPayload(issue, `@understudy reply with a greeting abuse-${nonce()}`);
  const good = sign(body);
  const hex = good.slice("sha256=".length);
  const flip = (i: number) => `sha256=${hex.slice(0, i)}${hex[i] === "0" ? "1" : "0"}${hex.slice(i + 1)}`;
  const corpus: Array<[string, string | null]> = [
    ["signed with another secret", sign(body, "not-the-webhook-secret")],
    ["first hex digit flipped", flip(0)],
    ["middle hex digit flipped", flip(31)],
    ["last hex digit flipped", flip(63)],
    ["right digest behind sha1=", `sha1=${hex}`],
    [
      "HMAC-SHA1 under the right secret",
      `sha1=${createHmac("sha1", stack.webhookSecret).update(body).digest("hex")}`,
    ],
    ["signed with an empty secret", sign(body, "")],
    ["signature of the body plus one space", sign(`${body} `)],
    ["signature truncated by one byte", good.slice(0, -2)],
    ["empty header", ""],
    ["bare sha256= prefix", "sha256="],
    ["header missing", null],
  ];
  const logFrom = stack.github.log.length;
  const sandboxesBefore = stack.host.sandboxes.size;
  const failures: string[] = [];
  let survived = 0;
  let accepted = 0;
  for (const [name, signature] of corpus) {
    const a = await deliver(body, { signature });
    if (a.status === 401) survived++;
    else failures.push(`${name}: answered ${a.status ?? a.error} ${a.body.slice(0, 200)}`);
    if (a.status !== null && a.status < 300) accepted++;
  }
  if (!(await quiet(stack))) failures.push("the stack did not go quiet");
  const writes = apiWritesSince(stack, logFrom);
  const sandboxes = stack.host.sandboxes.size - sandboxesBefore;
  if (writes.length > 0)
    failures.push(`GitHub writes: ${writes.map((w) => `${w.method} ${w.path}`).join(", ")}`);
  if (reactionsOn(commentId) > 0) failures.push("the comment got a reaction");
  settle(
    {
      name: "Webhook signatures: wrong secret, flipped byte, sha1=, empty secret, other body, truncated, missing → 401",
      tried: corpus.length,
      survived,
      letIn: accepted + sandboxes,
      notes: `${writes.length} GitHub writes, ${sandboxes} sandboxes after the corpus`,
    },
    failures,
  );
}

/**
 * The same signed bytes again, under a new and under the same delivery id, during and after the run;
 * then the processed id carrying another trigger. One run, one status comment, one sandbox.
 */
export async function replayedDeliveries(ctx: AbuseContext): Promise<void> {
  const { stack, runs, sign, deliver, commentPayload, reactionsOn } = ctx;
  const issue = stack.createIssue("Replays");
  const other = stack.createIssue("Reused delivery id");
  const { body, commentId } = commentPayload(issue, `@understudy reply with a greeting abuse-${nonce()}`);
  const signature = sign(body);
  const id = randomUUID();
  const sandboxesBefore = new Set(stack.host.sandboxes.keys());
  const newSandboxes = () => [...stack.host.sandboxes.keys()].filter((k) => !sandboxesBefore.has(k)).length;
  // The 👀 is the handler's first write: a second one means the trigger was processed again.
  const eyes = () =>
    stack.github.log.filter(
      (l) => l.method === "POST" && l.path.endsWith(`/issues/comments/${commentId}/reactions`),
    ).length;
  const failures: string[] = [];

  const first = await deliver(body, { id, signature });
  // Accepted, however the Worker words it (202 today).
  expect(first.status !== null && first.status < 300, `${first.status} ${first.body}`).toBe(true);
  await waitFor("the status comment", () => botComments(stack, issue).length > 0, 30_000);

  // While the run is going: the same bytes under a new id (a replay), and under the same id (a redelivery).
  type Replay = { name: string; send: () => Promise<RawAnswer> };
  const during: Replay[] = [
    { name: "same body, new delivery id, during the run", send: () => deliver(body, { signature }) },
    { name: "same body, same delivery id, during the run", send: () => deliver(body, { id, signature }) },
  ];
  const after: Replay[] = [
    { name: "same body, new delivery id, after the run", send: () => deliver(body, { signature }) },
    { name: "same body, same delivery id, after the run", send: () => deliver(body, { id, signature }) },
  ];
  const runningAtReplay = !botComments(stack, issue).some((c) => /^### (✅|❌|⏹️)/mu.test(c.body));
  let survived = 0;
  let letIn = 0;
  const answers: string[] = [];
  for (const r of during) {
    const a = await r.send();
    answers.push(`${r.name}: ${a.status ?? a.error}`);
    if (a.status === null || a.status >= 500)
      failures.push(`${r.name}: answered ${a.status ?? a.error} ${a.body}`);
  }
  const run = await finishedRun(stack, issue);
  runs.push(run);
  if (!(await quiet(stack))) failures.push("the stack did not go quiet after the run");
  // One run: one 👀, one sandbox, one status comment. Anything more came from a replay.
  const extraDuring =
    Math.max(0, newSandboxes() - 1) +
    Math.max(0, botComments(stack, issue).length - 1) +
    Math.max(0, eyes() - 1);
  letIn += extraDuring;
  if (extraDuring === 0) survived += during.length;
  else failures.push(`replays during the run: ${extraDuring} extra 👀, sandboxes or bot comments`);

  for (const r of after) {
    const sandboxes = newSandboxes();
    const comments = botComments(stack, issue).length;
    const reactions = eyes();
    const a = await r.send();
    answers.push(`${r.name}: ${a.status ?? a.error}`);
    if (!(await quiet(stack))) failures.push(`${r.name}: the stack did not go quiet`);
    const extra =
      newSandboxes() - sandboxes + (botComments(stack, issue).length - comments) + (eyes() - reactions);
    letIn += extra;
    if (extra === 0 && a.status !== null && a.status < 500) survived++;
    else
      failures.push(
        `${r.name}: answered ${a.status ?? a.error}, ${extra} extra 👀, sandboxes or bot comments`,
      );
  }

  // The delivery id already processed, now carrying a different, validly signed trigger.
  const reused = commentPayload(other, `@understudy reply with a greeting abuse-${nonce()}`);
  const sandboxes = newSandboxes();
  const a = await deliver(reused.body, { id });
  answers.push(`reused id, other body: ${a.status ?? a.error}`);
  if (!(await quiet(stack))) failures.push("reused id: the stack did not go quiet");
  const extra = newSandboxes() - sandboxes + botComments(stack, other).length + reactionsOn(reused.commentId);
  letIn += extra;
  if (extra === 0 && a.status !== null && a.status < 500) survived++;
  else
    failures.push(
      `reused delivery id with another body: answered ${a.status ?? a.error}, processed (${extra} effects)`,
    );

  settle(
    {
      name: "Replayed delivery (same bytes, new or same id, during and after the run); reused id with another body",
      tried: during.length + after.length + 1,
      survived,
      letIn,
      notes: `run still going at the first replays: ${runningAtReplay}; 👀 posted on the replayed comment: ${eyes()}; ${answers.join("; ")}`,
    },
    failures,
  );
}
