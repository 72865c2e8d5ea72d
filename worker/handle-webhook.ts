/**
 * POST /api/github/webhooks: verify, parse, hand off, answer. The signature check fails closed (no
 * secret configured → refuse) and uses the Octokit library's constant-time verify. Processing runs in
 * waitUntil so GitHub gets its answer long before its 10 s limit.
 */
import { verify } from "@octokit/webhooks-methods";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { StartSessionRequest } from "../src/core/start-session-request.js";
import { sessionKey } from "../src/core/start-session-request.js";
import { understudyApp } from "../src/github/app.js";
import { classifyWebhook } from "../src/github/classify-webhook.js";
import { parseConfig } from "./config.js";
import type { Env } from "./env.js";
import { getProbot } from "./probot.js";

const loaded = new WeakSet<object>();

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
  if (!signature || !(await verify(secret, body, signature).catch(() => false))) {
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
  const decision = classifyWebhook(name, payload, config.APP_SLUG);
  if (!decision.accepted) return c.json({ ignored: decision.reason, delivery: id }, 200);
  const probot = getProbot(config);
  if (!loaded.has(probot)) {
    loaded.add(probot);
    await probot.load(
      understudyApp({
        handle: config.APP_SLUG,
        startSession: (request) =>
          startSession(c.env, request, config.PUBLIC_URL ?? new URL(c.req.url).origin),
      }),
    );
  }
  const received = probot
    .receive({ id, name, payload } as Parameters<typeof probot.receive>[0])
    .catch((error) => {
      console.error(
        JSON.stringify({ msg: "webhook handling failed", delivery: id, event: name, error: String(error) }),
      );
    });
  c.executionCtx.waitUntil(received);
  return c.json({ accepted: true, delivery: id }, 202);
}

async function startSession(env: Env, request: StartSessionRequest, publicUrl: string): Promise<void> {
  const stub = env.SESSIONS.get(env.SESSIONS.idFromName(sessionKey(request)));
  await stub.start(request, publicUrl);
}
