/**
 * One Durable Object per session (per issue or pull request). The platform handlers are thin: they
 * delegate to the inbox, lifecycle, comment, socket and timer modules. Set-up (schema migration) runs
 * in blockConcurrencyWhile so no request sees a half-made database.
 */
import { DurableObject } from "cloudflare:workers";
import type { SessionView } from "../../src/core/session-view.js";
import type { Event } from "../../src/core/wire.js";
import { understudyApp } from "../../src/github/app.js";
import { localProvider } from "../../src/sandbox/providers/local-provider.js";
import { parseConfig } from "../config.js";
import type { Env } from "../env.js";
import { renderComment } from "./comment.js";
import { issueGitToken } from "./git-token.js";
import { createGitHubClients } from "./github-clients.js";
import { type ReceiveOutcome, receiveDelivery, runInbox } from "./inbox.js";
import { onTimers, startRun } from "./lifecycle.js";
import type { SessionDeps } from "./session-deps.js";
import { toSessionView } from "./session-view.js";
import { acceptSandboxSocket, onSandboxMessage } from "./sockets.js";
import { type InboxInput, SessionStore } from "./store.js";
import { syncAlarm, takeDueTimers } from "./timers.js";
import { transcriptUrl } from "./transcript-url.js";

export class SessionDO extends DurableObject<Env> {
  private readonly deps: SessionDeps;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const store = new SessionStore(ctx.storage.sql);
    const config = parseConfig(env);
    const id = ctx.id.toString();
    const github = createGitHubClients(config);
    let inboxChain: Promise<void> = Promise.resolve();
    const deps: SessionDeps = {
      id,
      ctx,
      store,
      config,
      provider: localProvider({ hostUrl: config.SANDBOX_HOST_URL, secret: config.SANDBOX_HOST_SECRET }),
      github: github.installation,
      githubApp: github.app,
      processInbox: () => {
        inboxChain = inboxChain
          .then(() =>
            runInbox(deps, (event) =>
              github.probot.receive(event as Parameters<typeof github.probot.receive>[0]),
            ),
          )
          .catch((error) => deps.log("inbox processing failed", { error: String(error) }));
        return inboxChain;
      },
      now: () => Date.now(),
      log: (msg, fields) => console.log(JSON.stringify({ msg, session: id, ...fields })),
    };
    this.deps = deps;
    ctx.blockConcurrencyWhile(async () => {
      store.migrate();
      await github.probot.load(
        understudyApp({
          handle: config.APP_SLUG,
          startSession: async (request) => {
            const publicUrl = store.publicUrlOf(request.deliveryId);
            if (publicUrl === null)
              throw new Error(`delivery ${request.deliveryId} is not in this session's inbox`);
            await startRun(deps, request, publicUrl);
          },
        }),
      );
    });
  }

  /** RPC from the Worker: an accepted delivery for this session. Returns once it is stored. */
  async receive(delivery: InboxInput): Promise<ReceiveOutcome> {
    return receiveDelivery(this.deps, delivery);
  }

  /** RPC from the Worker, right after receive: handles the due deliveries, in this request. */
  async process(): Promise<void> {
    await this.deps.processInbox();
  }

  /** RPC from the Worker: what the transcript page renders. */
  async transcript(): Promise<{ view: SessionView; events: Event[] } | null> {
    const s = this.deps.store.getSession();
    if (!s) return null;
    return {
      view: toSessionView(s, await transcriptUrl(this.deps, s.publicUrl)),
      events: this.deps.store.allEvents().map((e) => e.event),
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
