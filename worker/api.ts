/**
 * The REST API for the CLI and tests, under /api/sessions: get a session, page its events, add a prompt, stop. Off unless
 * ADMIN_TOKEN is set; every route needs `Authorization: Bearer <ADMIN_TOKEN>` (compared in constant
 * time by hono's bearerAuth). Sessions are named by the id in their transcript links.
 */
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { HTTPException } from "hono/http-exception";
import type * as z from "zod";
import { describeZodError, EventsQuery, PromptBody, StopBody } from "../src/core/api-schemas.js";
import { parseConfig } from "./config.js";
import type { Env } from "./env.js";
import { sessionStub } from "./session-stub.js";

export const api = new Hono<{ Bindings: Env }>();

api.use("*", async (c, next) => {
  const token = parseConfig(c.env).ADMIN_TOKEN;
  if (!token) throw new HTTPException(404, { message: "the REST API is off: set ADMIN_TOKEN to turn it on" });
  return bearerAuth({ token })(c as unknown as Parameters<ReturnType<typeof bearerAuth>>[0], next);
});

function session(env: Env, id: string) {
  const stub = sessionStub(env, id);
  if (!stub) throw new HTTPException(404, { message: "no such session" });
  return stub;
}

async function body<T extends z.ZodType>(
  c: { req: { text(): Promise<string> } },
  schema: T,
): Promise<z.infer<T>> {
  const text = await c.req.text();
  let json: unknown = {};
  if (text.trim() !== "") {
    try {
      json = JSON.parse(text);
    } catch {
      throw new HTTPException(400, { message: "body is not JSON" });
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new HTTPException(400, { message: describeZodError(parsed.error) });
  return parsed.data;
}

api.get("/:id", async (c) => {
  const data = await session(c.env, c.req.param("id")).apiStatus();
  if (!data) throw new HTTPException(404, { message: "no such session" });
  return c.json(data);
});

api.get("/:id/events", async (c) => {
  const q = EventsQuery.safeParse(c.req.query());
  if (!q.success) throw new HTTPException(400, { message: describeZodError(q.error) });
  const page = await session(c.env, c.req.param("id")).apiEvents(q.data.before ?? null, q.data.limit);
  if (!page) throw new HTTPException(404, { message: "no such session" });
  return c.json(page);
});

api.post("/:id/prompts", async (c) => {
  const b = await body(c, PromptBody);
  const outcome = await session(c.env, c.req.param("id")).apiPrompt(b.text, b.author);
  if (!outcome) throw new HTTPException(404, { message: "no such session" });
  return c.json(outcome, outcome.outcome === "queue_full" ? 429 : 202);
});

api.post("/:id/stop", async (c) => {
  const b = await body(c, StopBody);
  const outcome = await session(c.env, c.req.param("id")).apiStop(b.by);
  if (!outcome) throw new HTTPException(404, { message: "no such session" });
  return c.json(outcome, outcome.outcome === "idle" || outcome.outcome === "finishing" ? 409 : 202);
});
