/**
 * Helpers for tests that run inside workerd (vitest.workers.config.ts): a seeded session, its
 * capability and sandbox tokens, and a WebSocket client that queues what it receives.
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { randomToken, sha256Hex, signLink } from "../../src/core/sign-link.js";
import type { StartSessionRequest } from "../../src/core/start-session-request.js";
import type { Event } from "../../src/core/wire.js";
import type { SessionDeps } from "../../worker/session/session-deps.js";
import type { SessionDO } from "../../worker/session/session-do.js";
import { SessionRecord } from "../../worker/session/session-record.js";

/** As in vitest.workers.config.ts. */
export const ORIGIN = "http://understudy.test";
const LINK_SECRET = "workers-test-link-secret-0123456789";

export type Seeded = {
  id: string;
  stub: DurableObjectStub<SessionDO>;
  /** The transcript capability (`?token=`). */
  token: string;
  /** The bridge's bearer token for run 1. */
  sandboxToken: string;
};

const request: StartSessionRequest = {
  deliveryId: "d-1",
  installationId: 1,
  repo: {
    id: 1,
    owner: "acme",
    name: "widgets",
    cloneUrl: "https://github.com/acme/widgets.git",
    htmlUrl: "https://github.com/acme/widgets",
    defaultBranch: "main",
  },
  issue: { number: 12, title: "Add a greeting file", isPullRequest: false },
  trigger: { commentId: 7, htmlUrl: "https://github.com/acme/widgets/issues/12#issuecomment-7" },
  requester: { login: "octocat", id: 1 },
  task: "add a greeting",
  prompt: "add a greeting",
  options: {},
  replyTo: { kind: "conversation" },
  pull: null,
};

/** The session's dependencies (a private field of SessionDO), for seeding and reading its store. */
export const depsOf = (instance: SessionDO): SessionDeps =>
  (instance as unknown as { deps: SessionDeps }).deps;

/**
 * A session in run 1, `running`, with a connected sandbox whose token is valid for an hour. No
 * status comment yet, so nothing in these tests writes to GitHub.
 */
export async function seedSession(): Promise<Seeded> {
  const stub = env.SESSIONS.get(env.SESSIONS.newUniqueId());
  const sandboxToken = randomToken();
  const tokenHash = await sha256Hex(sandboxToken);
  const id = await runInDurableObject(stub, (instance) => {
    const d = depsOf(instance);
    const now = Date.now();
    d.store.putSession(
      SessionRecord.parse({
        sessionId: d.id,
        request,
        publicUrl: ORIGIN,
        status: "running",
        run: 1,
        createdAt: new Date(now).toISOString(),
        runStartedAt: new Date(now).toISOString(),
        finishedAt: null,
        branch: "understudy/12-add-a-greeting-file",
        baseBranch: "main",
        branchUrl: null,
        pr: null,
        summary: null,
        error: null,
        commentId: null,
        sandboxId: "sbx-1",
        tokenHash,
        tokenExpiresAt: now + 3_600_000,
        lastSandboxContactAt: now,
        lastCommentAt: null,
        sandboxConnectedAt: now,
      }),
    );
    d.store.addRequest(request, "running", now);
    return d.id;
  });
  return { id, stub, token: await signLink(LINK_SECRET, "transcript", id), sandboxToken };
}

/** Events as a bridge would send them: seqs `from`..`to`, assistant text naming the seq. */
export function events(from: number, to: number): Event[] {
  const out: Event[] = [];
  for (let seq = from; seq <= to; seq++)
    out.push({
      seq,
      type: "assistant_text",
      at: new Date(1_700_000_000_000 + seq).toISOString(),
      data: { text: `event ${seq}` },
    });
  return out;
}

/** Stores events straight into the session's log, as the sandbox socket would (hook included). */
export function storeEvents(s: Seeded, list: Event[], run = 1): Promise<number[]> {
  return runInDurableObject(s.stub, (instance) =>
    depsOf(instance)
      .store.insertEvents(run, list)
      .map((e) => e.id),
  );
}

/** Every stored event of the session, oldest first. */
export function storedEvents(s: Seeded) {
  return runInDurableObject(s.stub, (instance) => depsOf(instance).store.allEvents());
}

/** A request through the Worker (routes and capability checks included). */
export function workerFetch(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, init));
}

/** A WebSocket client that keeps every message it receives, in order, and waits for the next ones. */
export class Client {
  private readonly received: unknown[] = [];
  private readonly waiters: (() => void)[] = [];
  private read = 0;
  closed = false;

  private constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (e) => {
      this.received.push(JSON.parse(typeof e.data === "string" ? e.data : new TextDecoder().decode(e.data)));
      for (const w of this.waiters.splice(0)) w();
    });
    ws.addEventListener("close", () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
    ws.accept();
  }

  /** Opens `path` with an upgrade; throws with the status when the server refuses. */
  static async open(path: string, headers: Record<string, string> = {}): Promise<Client> {
    const res = await workerFetch(path, { headers: { upgrade: "websocket", ...headers } });
    if (!res.webSocket) throw new Error(`no upgrade: ${res.status} ${await res.text()}`);
    return new Client(res.webSocket);
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === "string" ? msg : JSON.stringify(msg));
  }

  /** The next message not yet read; fails after `ms`. */
  async next<T = Record<string, unknown>>(ms = 5_000): Promise<T> {
    const deadline = Date.now() + ms;
    while (this.read >= this.received.length) {
      if (this.closed) throw new Error("socket closed while waiting for a message");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received[this.read++] as T;
  }

  /** Messages received and not yet read, without waiting. */
  drain(): Record<string, unknown>[] {
    const out = this.received.slice(this.read) as Record<string, unknown>[];
    this.read = this.received.length;
    return out;
  }

  close(): void {
    this.ws.close(1000, "test done");
  }
}
