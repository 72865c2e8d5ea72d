/**
 * One Durable Object per session (per issue or pull request). The platform handlers are thin: they
 * delegate to the inbox, lifecycle, comment, socket and timer modules. Set-up (schema migration) runs
 * in blockConcurrencyWhile so no request sees a half-made database.
 */
import { DurableObject } from "cloudflare:workers";
import { redact } from "../../src/core/redact.js";
import type { SessionEvent } from "../../src/core/session-event.js";
import type { SessionView } from "../../src/core/session-view.js";
import { understudyApp } from "../../src/github/app.js";
import type { TranscriptPageData } from "../../src/web/transcript-facts.js";
import { parseConfig } from "../config.js";
import type { Env } from "../env.js";
import { breakerFor } from "../sandbox-breaker.js";
import { linksFor } from "../session-links.js";
import { type AcceptOutcome, acceptRequest } from "./accept-request.js";
import { apiRequest } from "./api-request.js";
import { renderComment } from "./comment.js";
import { issueGitToken } from "./git-token.js";
import { createGitHubClients } from "./github-clients.js";
import { type ReceiveOutcome, receiveDelivery, runInbox } from "./inbox.js";
import { onTimers } from "./lifecycle.js";
import { runCommand } from "./run-command.js";
import { sandboxProviderFor } from "./sandbox-provider-for.js";
import type { SessionDeps } from "./session-deps.js";
import { type SessionStatusReport, sessionStatus } from "./session-status.js";
import { currentView } from "./session-view.js";
import { acceptSandboxSocket, onSandboxMessage } from "./sockets.js";
import { type StopOutcome, stopSession } from "./stop-session.js";
import { type InboxInput, SessionStore } from "./store.js";
import { settleTimers, syncAlarm, takeDueTimers } from "./timers.js";
import { transcriptPageData } from "./transcript-page.js";
import {
  acceptViewerSocket,
  closeViewerSocket,
  isViewerSocket,
  liveViewers,
  onViewerMessage,
} from "./viewer-socket.js";

export class SessionDO extends DurableObject<Env> {
  private readonly deps: SessionDeps;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Every stored event is pushed to the live transcript's subscribers (viewer-socket.ts).
    const store = new SessionStore(
      ctx.storage.sql,
      liveViewers(() => this.deps),
    );
    const config = parseConfig(env);
    const id = ctx.id.toString();
    const github = createGitHubClients(config);
    let inboxChain: Promise<void> = Promise.resolve();
    const deps: SessionDeps = {
      id,
      ctx,
      store,
      config,
      provider: sandboxProviderFor(env, config),
      breaker: {
        permit: () => breakerFor(env, config.SANDBOX_PROVIDER).permit(deps.now()),
        report: (outcome) => breakerFor(env, config.SANDBOX_PROVIDER).report(outcome, deps.now()),
      },
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
      linkThread: async (thread, key) => {
        await linksFor(env, thread).link(thread, key);
      },
      toSandbox: (run, message) => {
        let sent = false;
        for (const ws of ctx.getWebSockets("sandbox")) {
          const a = ws.deserializeAttachment() as { run?: number } | null;
          if (a?.run !== run) continue;
          try {
            ws.send(JSON.stringify(message));
            sent = true;
          } catch {
            // closing; the bridge reconnects or the silence timer ends the run
          }
        }
        return sent;
      },
      now: () => Date.now(),
      log: (msg, fields) => console.log(JSON.stringify({ msg, session: id, ...fields })),
    };
    this.deps = deps;
    const publicUrlOf = (deliveryId: string): string => {
      const url = store.publicUrlOf(deliveryId);
      if (url === null) throw new Error(`delivery ${deliveryId} is not in this session's inbox`);
      return url;
    };
    ctx.blockConcurrencyWhile(async () => {
      store.migrate();
      await github.probot.load(
        understudyApp({
          // Durable, by key: a refusal is answered once per thread (src/github/accept-trigger.ts).
          noticeOnce: async (key) => store.noticeOnce(key, Date.now()),
          startSession: async (request) => {
            await acceptRequest(deps, request, publicUrlOf(request.deliveryId));
          },
          command: async (command, request) => {
            await runCommand(deps, command, request, publicUrlOf(request.deliveryId));
          },
          headAt: (repoId, pull, atMs) => linksFor(env, `${repoId}#${pull}`).headAt(pull, atMs),
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

  /** RPC from the Worker: what the transcript page renders: the view and every run's events. */
  async transcript(): Promise<{ view: SessionView; events: SessionEvent[] } | null> {
    const view = await currentView(this.deps);
    return view ? { view, events: this.deps.store.allEvents() } : null;
  }

  /** RPC from the Worker: what the transcript page's first response is rendered from. */
  async transcriptPage(): Promise<TranscriptPageData | null> {
    return transcriptPageData(this.deps);
  }

  /** REST API: the session's status (state, step, queue) and view; null when it never ran. */
  async apiStatus(): Promise<{ status: SessionStatusReport; view: SessionView } | null> {
    const view = await currentView(this.deps);
    return view ? { status: sessionStatus(this.deps), view } : null;
  }

  /** REST API: a page of the log, oldest first, with the cursor for the page before it. */
  async apiEvents(
    before: number | null,
    limit: number,
  ): Promise<{ events: SessionEvent[]; cursor: number | null; hasMore: boolean } | null> {
    if (!this.deps.store.getSession()) return null;
    const page = this.deps.store.eventsBefore(before, limit);
    return { ...page, cursor: page.events[0]?.id ?? null };
  }

  /** REST API: a follow-up prompt, run now or queued behind the current run. */
  async apiPrompt(text: string, author: string): Promise<AcceptOutcome | null> {
    const s = this.deps.store.getSession();
    if (!s) return null;
    const req = apiRequest(s.request, redact(text), author);
    return acceptRequest(this.deps, req, s.publicUrl);
  }

  /** REST API: stop the current run and clear the queue. */
  async apiStop(by: string): Promise<StopOutcome | null> {
    if (!this.deps.store.getSession()) return null;
    return stopSession(this.deps, by);
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
    if (path.endsWith("/socket")) return acceptViewerSocket(this.deps, request);
    return Response.json({ error: "not found" }, { status: 404 });
  }

  /** Sockets are told apart by their attachment's role: transcript viewers, else the sandbox bridge. */
  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (isViewerSocket(ws)) return onViewerMessage(this.deps, ws, message);
    await onSandboxMessage(this.deps, ws, message);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    if (isViewerSocket(ws)) return;
    this.deps.log("sandbox socket error", { error: String(error) });
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    if (isViewerSocket(ws)) return closeViewerSocket(ws, code, reason);
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
    await onTimers(
      this.deps,
      due.map((t) => t.name),
    );
    settleTimers(this.deps, due);
    await syncAlarm(this.deps);
  }
}
