/**
 * POST /api/github/webhooks: verify, parse, hand off, answer. The signature check fails closed (no
 * secret configured → refuse) and uses the Octokit library's constant-time verify. A delivery that can
 * trigger (src/github/classify-webhook.ts: a new comment, issue, label, review comment or review that
 * may call the bot) is claimed in the delivery ledger (once per X-GitHub-Delivery, across all
 * sessions) and stored in its session's Durable Object, which deduplicates by trigger and does the
 * rest in its own request (asked for in waitUntil) or its alarm: nothing that matters depends on this
 * request. Installation events start nothing and are answered with what they said.
 */
import { verify } from "@octokit/webhooks-methods";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { redactDeep } from "../src/core/redact.js";
import { classifyWebhook } from "../src/github/classify-webhook.js";
import { installationEvent } from "../src/github/installation-event.js";
import { pullHeadEvent } from "../src/github/pull-head-event.js";
import { parseConfig } from "./config.js";
import { ledgerFor } from "./delivery-ledger.js";
import type { Env } from "./env.js";
import { linksFor } from "./session-links.js";

const SIGNATURE = /^sha256=[0-9a-f]{64}$/;

/** GitHub caps webhook payloads at 25 MB and does not deliver larger ones. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

/**
 * The parts of a payload the session's handlers read; the rest is not stored. `pull_request` is the
 * pull request of review events (head and base as they were then), `review` a review's summary,
 * `label` the label an `issues.labeled` added.
 */
const KEPT_FIELDS = [
  "action",
  "comment",
  "issue",
  "pull_request",
  "review",
  "label",
  "repository",
  "organization",
  "sender",
  "installation",
] as const;

export async function handleWebhook(c: Context<{ Bindings: Env }>): Promise<Response> {
  const secret = c.env.WEBHOOK_SECRET;
  if (typeof secret !== "string" || !secret) {
    throw new HTTPException(500, {
      message: "WEBHOOK_SECRET is not configured; refusing unverifiable webhooks",
    });
  }
  const id = c.req.header("x-github-delivery");
  const name = c.req.header("x-github-event");
  const signature = c.req.header("x-hub-signature-256");
  const body = await c.req.text();
  // GitHub always sends this exact form; the library's parser would also accept looser ones.
  if (!signature || !SIGNATURE.test(signature)) {
    throw new HTTPException(401, { message: "signature does not match the webhook secret" });
  }
  // GitHub never delivers an empty body (and the library cannot verify one).
  if (body === "") throw new HTTPException(400, { message: "body is empty" });
  if (!(await verify(secret, body, signature).catch(() => false))) {
    throw new HTTPException(401, { message: "signature does not match the webhook secret" });
  }
  if (!id || !name) throw new HTTPException(400, { message: "missing X-GitHub-Delivery or X-GitHub-Event" });
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    throw new HTTPException(400, { message: "body is not JSON" });
  }

  const config = parseConfig(c.env);
  if (name === "pull_request") {
    // A head that moved is recorded, so that a comment is run on the head it was written about.
    const head = pullHeadEvent(payload);
    if (!head)
      return c.json({ ignored: "pull_request event that does not move the head", delivery: id }, 200);
    const thread = `${head.repoId}#${head.number}`;
    await linksFor(c.env, thread).recordHead(head.number, head.sha, head.atMs);
    return c.json({ recorded: { pull: head.number, head: head.sha }, delivery: id }, 200);
  }
  const installation = installationEvent(name, payload);
  if (installation) {
    console.log(JSON.stringify({ msg: `${name}.${installation.action}`, delivery: id, ...installation }));
    return c.json({ ignored: `${name} events start nothing`, [name]: installation, delivery: id }, 200);
  }
  const decision = classifyWebhook(name, payload, config.APP_SLUG);
  if (!decision.accepted) return c.json({ ignored: decision.reason, delivery: id }, 200);
  const ledger = ledgerFor(c.env, id);
  if (!(await ledger.claim(id))) return c.json({ duplicate: "delivery already received", delivery: id }, 200);
  // A comment on a pull request a session opened continues that session (worker/session-links.ts).
  const threadKey = decision.trigger.sessionKey;
  let sessionKey: string;
  try {
    sessionKey = decision.trigger.onPullRequest
      ? ((await linksFor(c.env, threadKey).resolve(threadKey)) ?? threadKey)
      : threadKey;
  } catch (error) {
    await ledger.release(id).catch(() => {});
    console.error(
      JSON.stringify({ msg: "could not resolve the session", delivery: id, error: String(error) }),
    );
    throw new HTTPException(503, { message: "could not route the delivery; redeliver it" });
  }
  const session = c.env.SESSIONS.get(c.env.SESSIONS.idFromName(sessionKey));
  let outcome: "queued" | "duplicate";
  try {
    outcome = await session.receive({
      deliveryId: id,
      triggerKey: decision.trigger.key,
      name,
      // Stored until processed: a token someone pasted into a comment is not kept at rest.
      payload: redactDeep(keptFields(payload as Record<string, unknown>)),
      publicUrl: config.PUBLIC_URL ?? new URL(c.req.url).origin,
    });
  } catch (error) {
    // Not stored: forget the claim so that GitHub's redelivery of this id is accepted.
    await ledger.release(id).catch(() => {});
    console.error(
      JSON.stringify({
        msg: "could not hand the delivery to its session",
        delivery: id,
        error: String(error),
      }),
    );
    throw new HTTPException(503, { message: "could not store the delivery; redeliver it" });
  }
  if (outcome === "duplicate") {
    return c.json(
      {
        duplicate: `this trigger (${decision.trigger.key}) was already received in another delivery`,
        delivery: id,
      },
      200,
    );
  }
  // Stored: GitHub can have its answer. The handling runs in the object's own request; should this
  // one be cut short, the object's alarm handles the delivery instead.
  c.executionCtx.waitUntil(
    session.process().catch((error) => {
      console.error(
        JSON.stringify({ msg: "handling deferred to the alarm", delivery: id, error: String(error) }),
      );
    }),
  );
  return c.json({ accepted: true, delivery: id }, 202);
}

function keptFields(payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of KEPT_FIELDS) if (key in payload) out[key] = payload[key];
  return out;
}
