/**
 * Abuse cases about what a signed delivery carries: too much, not JSON, the wrong shape, or an event
 * that never triggers.
 */
import { createRequire } from "node:module";
import { type AbuseContext, json, settle } from "./abuse-context.js";
import { nonce } from "./corpus.js";
import { apiWritesSince, quiet } from "./harness.js";
import type { RawAnswer } from "./raw-http.js";

const examples = createRequire(import.meta.url)("@octokit/webhooks-examples") as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;

/** GitHub caps webhook payloads at 25 MB: https://docs.github.com/en/webhooks/webhook-events-and-payloads */
const LIMIT = 25 * 1024 * 1024;

/** Bodies over GitHub's 25 MB cap get 413 before they are parsed, hashed or (chunked) read to the end. */
export async function oversizedBodies(ctx: AbuseContext): Promise<void> {
  const { stack, sign, deliver, commentPayload } = ctx;
  const issue = stack.createIssue("Large payloads");
  const base = commentPayload(issue, "looks good");
  /** The real payload, its comment padded so that the JSON is exactly `size` bytes. */
  const padded = (size: number) => {
    const p = structuredClone(base.payload) as { comment: { body: string } };
    p.comment.body = "looks good ";
    const empty = JSON.stringify(p).length;
    p.comment.body += "a".repeat(size - empty);
    const text = JSON.stringify(p);
    if (text.length !== size) throw new Error(`padding gave ${text.length} bytes, not ${size}`);
    return Buffer.from(text, "utf8");
  };
  type Item = {
    name: string;
    body: () => Buffer;
    chunked?: boolean;
    holdOpen?: boolean;
    badSignature?: boolean;
    want: "413" | "ok";
  };
  const corpus: Item[] = [
    { name: "25 MiB + 1 byte, Content-Length", body: () => padded(LIMIT + 1), want: "413" },
    { name: "30 MB, Content-Length", body: () => padded(30_000_000), want: "413" },
    // Sent in full but never ended: only a server that stops at the limit, without waiting for the
    // whole body, can answer.
    {
      name: "25 MiB + 1 byte, chunked, request left open",
      body: () => padded(LIMIT + 1),
      chunked: true,
      holdOpen: true,
      want: "413",
    },
    {
      name: "30 MB, chunked, request left open",
      body: () => padded(30_000_000),
      chunked: true,
      holdOpen: true,
      want: "413",
    },
    { name: "30 MB, chunked", body: () => padded(30_000_000), chunked: true, want: "413" },
    // A 400 here would mean it parsed the JSON, a 401 that it hashed it all: size comes first.
    { name: "25 MiB + 1 byte of invalid JSON", body: () => Buffer.alloc(LIMIT + 1, "{"), want: "413" },
    {
      name: "25 MiB + 1 byte, bad signature",
      body: () => padded(LIMIT + 1),
      badSignature: true,
      want: "413",
    },
    { name: "~1 MiB valid payload", body: () => padded(1024 * 1024 + 17), want: "ok" },
    { name: "24 MB valid payload, chunked", body: () => padded(24_000_000), chunked: true, want: "ok" },
  ];
  const logFrom = stack.github.log.length;
  const failures: string[] = [];
  const timings: string[] = [];
  const retries: string[] = [];
  let survived = 0;
  let letIn = 0;
  for (const item of corpus) {
    const body = item.body();
    const send = () =>
      deliver(body, {
        signature: item.badSignature ? `sha256=${"0".repeat(64)}` : sign(body),
        chunked: item.chunked ?? false,
        holdOpen: item.holdOpen ?? false,
      });
    // Two artefacts of the local transport, not answers of the Worker, are tried again (four times at most):
    // an answer overtaken by the reset of the unread upload (a TCP race), and the 503 that wrangler
    // dev's ProxyWorker (templates/startDevWorker/ProxyWorker.ts) makes up when the Worker stops
    // reading an upload it is still piping.
    const artefact = (x: RawAnswer) =>
      (x.status === null && /ECONNRESET|EPIPE/.test(x.error ?? "")) ||
      (x.status === 503 && x.body.includes("Your worker restarted mid-request"));
    let a = await send();
    for (let i = 0; i < 4 && artefact(a); i++) {
      retries.push(`${item.name}: ${a.status ?? a.error}`);
      a = await send();
    }
    timings.push(`${item.name}: ${a.status ?? a.error} in ${a.ms} ms`);
    const ok =
      item.want === "413" ? a.status === 413 : a.status === 200 && typeof json(a.body).ignored === "string";
    if (ok) survived++;
    else
      failures.push(
        `${item.name}: wanted ${item.want}, answered ${a.status ?? a.error} ${a.body.slice(0, 200)}`,
      );
    if (item.want === "413" && a.status !== null && a.status < 300) letIn++;
  }
  if (!(await quiet(stack))) failures.push("the stack did not go quiet");
  const writes = apiWritesSince(stack, logFrom);
  letIn += writes.length;
  if (writes.length > 0)
    failures.push(`GitHub writes: ${writes.map((w) => `${w.method} ${w.path}`).join(", ")}`);
  settle(
    {
      name: "Bodies over 25 MiB → 413 (Content-Length or chunked, before JSON or signature); 1 MiB and 24 MB served",
      tried: corpus.length,
      survived,
      letIn,
      notes: `${timings.join("; ")}; retried after a transport artefact: ${retries.join(", ") || "none"}. With Content-Length, wrangler dev's drain middleware reads the whole declared body before any answer leaves, so only the chunked requests left open show the limit applied while streaming`,
    },
    failures,
  );
}

/** Signed bodies that are not JSON: 400 with a message. */
export async function malformedJson(ctx: AbuseContext): Promise<void> {
  const { stack, deliver, commentPayload } = ctx;
  const issue = stack.createIssue("Malformed JSON");
  const real = commentPayload(issue, `@understudy reply with a greeting abuse-${nonce()}`).body;
  const corpus: Array<[string, string]> = [
    ["empty body", ""],
    ["lone brace", "{"],
    ["plain text", "@understudy do it"],
    ["trailing comma", '{"action":"created",}'],
    ["single quotes", "{'action':'created'}"],
    ["truncated real payload", real.slice(0, Math.floor(real.length / 2))],
    ["real payload plus garbage", `${real}}`],
    ["NaN", "NaN"],
    ["NUL byte", "\u0000"],
    ["form-encoded payload", `payload=${encodeURIComponent(real)}`],
  ];
  const logFrom = stack.github.log.length;
  const failures: string[] = [];
  let survived = 0;
  let letIn = 0;
  for (const [name, body] of corpus) {
    const a = await deliver(body);
    if (a.status === 400 && typeof json(a.body).error === "string") survived++;
    else failures.push(`${name}: answered ${a.status ?? a.error} ${a.body.slice(0, 200)}`);
    if (a.status !== null && a.status < 300) letIn++;
  }
  if (!(await quiet(stack))) failures.push("the stack did not go quiet");
  const writes = apiWritesSince(stack, logFrom).length;
  letIn += writes;
  settle(
    {
      name: "Malformed JSON, signed → 400 with a message",
      tried: corpus.length,
      survived,
      letIn,
      notes: `${writes} GitHub writes`,
    },
    failures,
  );
}

/** Signed JSON that is not an issue_comment payload: 200 ignored or 400, never accepted or 5xx. */
export async function wrongShapes(ctx: AbuseContext): Promise<void> {
  const { stack, deliver, commentPayload } = ctx;
  const issue = stack.createIssue("Wrong shapes");
  const real = () =>
    commentPayload(issue, `@understudy reply with a greeting abuse-${nonce()}`).payload as Record<
      string,
      unknown
    >;
  const mutate = (change: (p: Record<string, unknown>) => void) => {
    const p = real();
    change(p);
    return JSON.stringify(p);
  };
  const corpus: Array<[string, string]> = [
    ["empty object", "{}"],
    ["array", "[]"],
    ["null", "null"],
    ["number", "42"],
    ["string with a mention", JSON.stringify("@understudy do it")],
    ["action only", '{"action":"created"}'],
    ["comment null", mutate((p) => (p.comment = null))],
    ["comment body a number", mutate((p) => ((p.comment as Record<string, unknown>).body = 42))],
    ["sender missing", mutate((p) => delete p.sender)],
    ["installation id a string", mutate((p) => (p.installation = { id: "1" }))],
    ["repository missing", mutate((p) => delete p.repository)],
    ["issue missing", mutate((p) => delete p.issue)],
    ["repository owner null", mutate((p) => ((p.repository as Record<string, unknown>).owner = null))],
    ["comment id a string", mutate((p) => ((p.comment as Record<string, unknown>).id = "1"))],
  ];
  const logFrom = stack.github.log.length;
  const sandboxesBefore = stack.host.sandboxes.size;
  const failures: string[] = [];
  const answers: string[] = [];
  let survived = 0;
  let accepted = 0;
  for (const [name, body] of corpus) {
    const a = await deliver(body);
    const j = json(a.body);
    answers.push(`${name}: ${a.status ?? a.error}`);
    const ok =
      (a.status === 200 && typeof j.ignored === "string") ||
      (a.status === 400 && typeof j.error === "string" && j.error.length > 0);
    if (ok) survived++;
    else failures.push(`${name}: answered ${a.status ?? a.error} ${a.body.slice(0, 200)}`);
    // Taken in for processing (stored, retried) although it cannot be an issue comment.
    if (!ok && a.status !== null && a.status < 300) accepted++;
  }
  if (!(await quiet(stack))) failures.push("the stack did not go quiet");
  const writes = apiWritesSince(stack, logFrom).length;
  const sandboxes = stack.host.sandboxes.size - sandboxesBefore;
  if (writes + sandboxes > 0) failures.push(`${writes} GitHub writes, ${sandboxes} sandboxes`);
  settle(
    {
      name: "Valid JSON of the wrong shape, signed → 200 ignored or 400, never 5xx",
      tried: corpus.length,
      survived,
      letIn: accepted + writes + sandboxes,
      notes: answers.join("; "),
    },
    failures,
  );
}

/** Events that never trigger: 200 with the reason. */
export async function otherEvents(ctx: AbuseContext): Promise<void> {
  const { stack, deliver, commentPayload } = ctx;
  const issue = stack.createIssue("Other events");
  const example = (name: string, action?: string) => {
    const e = examples
      .find((d) => d.name === name)
      ?.examples.find((x) => action === undefined || x.action === action);
    if (!e) throw new Error(`no ${name} example`);
    return JSON.stringify(e);
  };
  const mention = `@understudy reply with a greeting abuse-${nonce()}`;
  const edited = (() => {
    const { commentId } = commentPayload(issue, mention);
    const { owner, repo, github } = stack;
    return JSON.stringify(
      github.webhookPayload("issue_comment.edited", { owner, repo, issueNumber: issue, commentId }),
    );
  })();
  const corpus: Array<[string, string]> = [
    ["star", example("star", "created")],
    ["ping", example("ping")],
    ["installation", example("installation", "created")],
    ["installation_repositories", example("installation_repositories", "added")],
    ["push", example("push")],
    ["check_run", example("check_run", "created")],
    ["watch", example("watch")],
    ["made_up_event", JSON.stringify({ action: "created", comment: { body: mention } })],
    ["issue_comment", edited],
  ];
  const logFrom = stack.github.log.length;
  const failures: string[] = [];
  let survived = 0;
  for (const [event, body] of corpus) {
    const a = await deliver(body, { event });
    const reason = json(a.body).ignored;
    if (a.status === 200 && typeof reason === "string" && reason.length > 0) survived++;
    else failures.push(`${event}: answered ${a.status ?? a.error} ${a.body.slice(0, 200)}`);
  }
  if (!(await quiet(stack))) failures.push("the stack did not go quiet");
  const writes = apiWritesSince(stack, logFrom).length;
  settle(
    {
      name: "Events that never trigger (star, ping, installation, push, check_run, an edit, …) → 200 ignored",
      tried: corpus.length,
      survived,
      letIn: writes,
    },
    failures,
  );
}
