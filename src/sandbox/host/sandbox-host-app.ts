/**
 * The sandbox host's HTTP interface, as a hono app with no server (start-sandbox-host.ts serves it;
 * tests call `app.request()`). Every route but /healthz needs `Authorization: Bearer <secret>`.
 *
 *   POST   /sandboxes       body SandboxSpec → 201 {sandboxId}, at once (the run goes on in the background)
 *   GET    /sandboxes/:id   → 200 {sandboxId, running, exitCode}
 *   DELETE /sandboxes/:id   → 204 once the process tree is gone (SIGTERM, then SIGKILL after a grace)
 *   GET    /healthz         → 200 {ok: true}
 *
 * Every error is JSON `{error}`: 400 (with zod's `issues` for a bad spec), 401, 404, 405, 413, 415, 500.
 */
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { methodNotAllowed } from "hono/method-not-allowed";
import { validator } from "hono/validator";
import { SandboxSpec } from "../../core/wire.js";
import type { BridgeLog } from "../bridge/log.js";
import { secretVerifier } from "./secret-verifier.js";
import type { Sandbox } from "./spawn-bridge.js";

/** What the routes read of a sandbox. */
export type SandboxView = Pick<Sandbox, "id" | "running" | "exitCode">;

export type SandboxHostAppDeps<S extends SandboxView> = {
  secret: string;
  sandboxes: ReadonlyMap<string, S>;
  /** Starts a run and registers it in `sandboxes`; resolves once the process exists. */
  spawn(spec: SandboxSpec): Promise<S>;
  /** Resolves once the sandbox's processes are gone. */
  stop(sandbox: S): Promise<void>;
  log: BridgeLog;
};

// A SandboxSpec is a few KB (the prompt dominates); 1 MiB bounds what a caller can make us buffer.
export const MAX_SPEC_BYTES = 1024 * 1024;

// The characters RFC 6750 allows in a bearer token; hono's bearerAuth refuses any other.
const BEARER_TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

export function sandboxHostApp<S extends SandboxView>(deps: SandboxHostAppDeps<S>): Hono {
  // Fail closed: a host without a real secret would run anything anyone on the machine posts.
  if (deps.secret.length < 16) throw new Error("the sandbox host needs a secret of at least 16 characters");
  if (!BEARER_TOKEN.test(deps.secret)) {
    throw new Error(
      "the sandbox host secret can hold only letters, digits and . _ ~ + / - (it is sent as a bearer " +
        "token); `openssl rand -hex 32` makes one",
    );
  }
  const verify = secretVerifier(deps.secret);
  const unauthorized = { message: { error: "unauthorized" } };

  const app = new Hono();
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, allowed) =>
        c.json({ error: "method not allowed" }, 405, { allow: allowed.join(", ") }),
    }),
  );

  app.get("/healthz", (c) => c.json({ ok: true }));

  app.use(
    "/sandboxes/*",
    bearerAuth({
      verifyToken: (token) => verify(token),
      noAuthenticationHeader: unauthorized,
      invalidToken: unauthorized,
      invalidAuthenticationHeader: { message: { error: "the Authorization header is not `Bearer <token>`" } },
    }),
  );

  app.post(
    "/sandboxes",
    // Refused from Content-Length alone, or once a chunked body passes the limit: never parsed.
    bodyLimit({
      maxSize: MAX_SPEC_BYTES,
      onError: (c) => c.json({ error: "body too large for a sandbox spec" }, 413),
    }),
    validator("json", (body, c) => {
      // The json validator reads nothing but a JSON media type, and a spec of {} would be a confusing answer.
      if (!/^application\/json\b/i.test(c.req.header("content-type") ?? "")) {
        throw new HTTPException(415, { message: "send the sandbox spec as application/json" });
      }
      const parsed = SandboxSpec.safeParse(body);
      if (parsed.success) return parsed.data;
      const where = parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`);
      return c.json({ error: `invalid sandbox spec: ${where.join("; ")}`, issues: parsed.error.issues }, 400);
    }),
    async (c) => {
      const sandbox = await deps.spawn(c.req.valid("json"));
      return c.json({ sandboxId: sandbox.id }, 201);
    },
  );

  const find = (id: string): S => {
    const sandbox = deps.sandboxes.get(id);
    if (!sandbox) throw new HTTPException(404, { message: "no such sandbox" });
    return sandbox;
  };
  const ID = "/sandboxes/:id{[A-Za-z0-9_-]+}";
  app.get(ID, (c) => {
    const sandbox = find(c.req.param("id"));
    return c.json({ sandboxId: sandbox.id, running: sandbox.running, exitCode: sandbox.exitCode });
  });
  app.delete(ID, async (c) => {
    await deps.stop(find(c.req.param("id")));
    return c.body(null, 204);
  });

  app.notFound((c) => c.json({ error: "not found" }, 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      // bearerAuth's exceptions carry a whole response (with WWW-Authenticate); ours a message.
      return error.res ? error.getResponse() : c.json({ error: error.message }, error.status);
    }
    deps.log.error(
      `${c.req.method} ${c.req.path}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return c.json({ error: "internal error" }, 500);
  });
  return app;
}
