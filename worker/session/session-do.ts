/**
 * One Durable Object per session (per issue or pull request). The platform handlers are thin: they
 * delegate to the lifecycle, comment, socket and timer modules. Set-up (schema migration) runs in
 * blockConcurrencyWhile so no request sees a half-made database.
 */
import { DurableObject } from "cloudflare:workers";
import type { SessionView } from "../../src/core/session-view.js";
import type { StartSessionRequest } from "../../src/core/start-session-request.js";
import { StartSessionRequest as StartSessionRequestSchema } from "../../src/core/start-session-request.js";
import type { Event } from "../../src/core/wire.js";
import { localProvider } from "../../src/sandbox/providers/local-provider.js";
import { parseConfig } from "../config.js";
import type { Env } from "../env.js";
import { getProbot } from "../probot.js";
import { renderComment } from "./comment.js";
import { issueGitToken } from "./git-token.js";
import { onTimers, type StartOutcome, startRun } from "./lifecycle.js";
import type { GitHubClient, SessionDeps } from "./session-deps.js";
import { toSessionView } from "./session-view.js";
import { acceptSandboxSocket, onSandboxMessage } from "./sockets.js";
import { SessionStore } from "./store.js";
import { syncAlarm, takeDueTimers } from "./timers.js";
import { transcriptUrl } from "./transcript-url.js";

export class SessionDO extends DurableObject<Env> {
  private readonly deps: SessionDeps;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const store = new SessionStore(ctx.storage.sql);
    const config = parseConfig(env);
    const id = ctx.id.toString();
    this.deps = {
      id,
      ctx,
      store,
      config,
      provider: localProvider({ hostUrl: config.SANDBOX_HOST_URL, secret: config.SANDBOX_HOST_SECRET }),
      github: async (installationId) =>
        (await getProbot(config).auth(installationId)) as unknown as GitHubClient,
      githubApp: async () => (await getProbot(config).auth()) as unknown as GitHubClient,
      now: () => Date.now(),
      log: (msg, fields) => console.log(JSON.stringify({ msg, session: id, ...fields })),
    };
    ctx.blockConcurrencyWhile(async () => store.migrate());
  }

  /** RPC from the Worker: a new request for this session. */
  async start(request: StartSessionRequest, publicUrl: string): Promise<StartOutcome> {
    return startRun(this.deps, StartSessionRequestSchema.parse(request), publicUrl);
  }

  /** RPC from the Worker: what the transcript page renders. */
  async transcript(): Promise<{ view: SessionView; events: Event[] } | null> {
    const s = this.deps.store.getSession();
    if (!s) return null;
    return {
      view: toSessionView(s, await transcriptUrl(this.deps, s.publicUrl)),
      events: this.deps.store.events(),
    };
  }

  /** RPC for tests and the CLI: the status comment as it would be rendered now. */
  async statusComment(): Promise<string | null> {
    return renderComment(this.deps);
  }

  override async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path.endsWith("/sandbox/git-token") && request.method === "POST")
      return issueGitToken(this.deps, request);
    if (path.endsWith("/sandbox")) return acceptSandboxSocket(this.deps, request);
    return Response.json({ error: "not found" }, { status: 404 });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await onSandboxMessage(this.deps, ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // The bridge reconnects and resends; a bridge that does not come back is caught by the `silence` timer.
    this.deps.log("sandbox socket closed", { code, reason });
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }

  override async alarm(): Promise<void> {
    const due = takeDueTimers(this.deps);
    await onTimers(this.deps, due);
    await syncAlarm(this.deps);
  }
}
