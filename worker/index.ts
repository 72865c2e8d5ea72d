/**
 * The edge: routes only. Verify, parse, hand off to the SessionDO, answer.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { renderTranscriptPage, transcriptCsp } from "../src/web/render-transcript-page.js";
import { api } from "./api.js";
import { ConfigError } from "./config.js";
import type { Env } from "./env.js";
import { handleWebhook, MAX_WEBHOOK_BYTES } from "./handle-webhook.js";
import { isTranscriptCapability, sessionStub } from "./session-stub.js";

export { DeliveryLedger } from "./delivery-ledger.js";
export { SandboxBreaker } from "./sandbox-breaker.js";
export { SessionDO } from "./session/session-do.js";
export { SessionLinks } from "./session-links.js";

const app = new Hono<{ Bindings: Env }>();

app.get("/", (c) => c.text("Understudy control plane. Webhooks: POST /api/github/webhooks\n"));
app.get("/healthz", (c) => c.json({ ok: true }));
app.post(
  "/api/github/webhooks",
  // Refused from Content-Length alone, or while streaming a chunked body: never buffered or parsed.
  bodyLimit({
    maxSize: MAX_WEBHOOK_BYTES,
    onError: (c) => c.json({ error: "body larger than GitHub's 25 MB webhook payload limit" }, 413),
  }),
  handleWebhook,
);

app.route("/api/sessions", api);

/** The session's transcript data, if `token` is its capability; the same 404 for every other case. */
async function readTranscript(env: Env, id: string, token: string) {
  // Same answer for an unknown session and a bad token: the URL is the capability.
  if (!(await isTranscriptCapability(env, id, token))) {
    throw new HTTPException(404, { message: "no such transcript" });
  }
  const stub = sessionStub(env, id);
  const data = stub ? await stub.transcript() : null;
  if (!data) throw new HTTPException(404, { message: "no such transcript" });
  return data;
}

/**
 * The transcript as JSON, for tools and tests: the session view and every stored event of every run,
 * in order, each as `{ id, run, event }` (SessionEvent).
 */
app.get("/sessions/:id/events", async (c) => {
  const data = await readTranscript(c.env, c.req.param("id"), c.req.query("token") ?? "");
  c.header("cache-control", "no-store");
  return c.json(data);
});

/**
 * The transcript page: the newest events and the session's parts, server-rendered; its own script
 * (allowed by hash, nothing else is) keeps it live over the socket below.
 */
app.get("/sessions/:id", async (c) => {
  const id = c.req.param("id");
  if (!(await isTranscriptCapability(c.env, id, c.req.query("token") ?? "")))
    throw new HTTPException(404, { message: "no such transcript" });
  const stub = sessionStub(c.env, id);
  const data = stub ? await stub.transcriptPage() : null;
  if (!data) throw new HTTPException(404, { message: "no such transcript" });
  c.header("cache-control", "no-store");
  c.header("referrer-policy", "no-referrer");
  c.header("x-content-type-options", "nosniff");
  const here = new URL(c.req.url);
  c.header(
    "content-security-policy",
    await transcriptCsp(`${here.protocol === "https:" ? "wss:" : "ws:"}//${here.host}`),
  );
  return c.html(renderTranscriptPage(data, new Date()));
});

/**
 * The live transcript, a WebSocket (worker/session/viewer-socket.ts). The capability is checked
 * before the upgrade, with the page's 404 for every refusal, so a wrong token never opens a socket.
 */
app.get("/sessions/:id/socket", async (c) => {
  const id = c.req.param("id");
  const token = c.req.query("token") ?? "";
  if (!(await isTranscriptCapability(c.env, id, token)))
    throw new HTTPException(404, { message: "no such transcript" });
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
    return c.json({ error: "expected a WebSocket upgrade" }, 426);
  return forwardToSession(c.env, id, c.req.raw);
});

/** Bridge endpoints: the DO checks the sandbox token. */
app.all("/sessions/:id/sandbox/*", (c) => forwardToSession(c.env, c.req.param("id"), c.req.raw));
app.all("/sessions/:id/sandbox", (c) => forwardToSession(c.env, c.req.param("id"), c.req.raw));

function forwardToSession(env: Env, id: string, request: Request): Promise<Response> | Response {
  const stub = sessionStub(env, id);
  return stub ? stub.fetch(request) : Response.json({ error: "no such session" }, { status: 404 });
}

app.onError((error, c) => {
  if (error instanceof HTTPException) return c.json({ error: error.message }, error.status);
  if (error instanceof ConfigError) {
    console.error(error.message);
    return c.json({ error: error.message }, 500);
  }
  console.error(JSON.stringify({ msg: "unhandled error", path: c.req.path, error: String(error) }));
  return c.json({ error: "internal error" }, 500);
});

export default app;
