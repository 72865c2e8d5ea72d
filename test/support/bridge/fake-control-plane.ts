/**
 * A stand-in for the SessionDO's sandbox side, for bridge and host tests: the sandbox WebSocket with
 * hello/ack and by-seq de-duplication (as the real one stores events), and the git-token route.
 * Binds 127.0.0.1 only.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { type ControlMessage, type Event, SandboxMessage } from "../../../src/core/wire.js";

export type Intercept = (
  events: Event[],
  connection: number,
) => {
  /** The events of the batch to store; the rest are "lost in flight". */
  keep: Event[];
  /** Close the connection after storing, without acknowledging. */
  close: boolean;
};

export type FakeControlPlaneOptions = {
  sessionId?: string;
  /** Events up to this seq count as stored already (earlier runs). */
  startSeq?: number;
  intercept?: Intercept;
  /** Answer the git-token route with this status instead of a token. */
  gitTokenStatus?: number;
  /** Hand out this token every time, instead of a random `ghs_` one (to look for it afterwards). */
  gitToken?: string;
  /** Runs before each git token is handed out; `index` counts from 0. */
  onGitToken?(index: number): void;
};

export type FakeControlPlane = {
  url: string;
  sessionId: string;
  /** The sandbox token it accepts. */
  token: string;
  /** Stored events in seq order, each seq once. */
  events(): Event[];
  /** Every event received, duplicates included. */
  received: Event[];
  /** Size of every `events` message. */
  batchSizes: number[];
  /** Every hello's lastAckedSeq, in order. */
  hellos: number[];
  /** Git tokens handed out, in order. */
  gitTokens: string[];
  /** Connections accepted so far. */
  connections(): number;
  /** Protocol problems seen (bad messages): a test asserts this stays empty. */
  problems: string[];
  send(msg: ControlMessage): void;
  /** Resolves once `pred` holds for the stored events; rejects after `timeoutMs`. */
  waitFor(pred: (events: Event[]) => boolean, timeoutMs?: number): Promise<Event[]>;
  close(): Promise<void>;
};

export async function startFakeControlPlane(opts: FakeControlPlaneOptions = {}): Promise<FakeControlPlane> {
  const sessionId = opts.sessionId ?? `sess_${randomBytes(6).toString("hex")}`;
  const token = randomBytes(24).toString("hex");
  const startSeq = opts.startSeq ?? 0;
  const stored = new Map<number, Event>();
  const received: Event[] = [];
  const batchSizes: number[] = [];
  const hellos: number[] = [];
  const gitTokens: string[] = [];
  const problems: string[] = [];
  const sockets = new Set<WebSocket>();
  const waiters = new Set<() => void>();
  let connections = 0;

  const contiguous = () => {
    let seq = startSeq;
    while (stored.has(seq + 1)) seq += 1;
    return seq;
  };
  const sorted = () => [...stored.values()].sort((a, b) => a.seq - b.seq);
  const authorized = (req: IncomingMessage) => req.headers.authorization === `Bearer ${token}`;

  const server = createServer((req, res) => {
    if (req.method === "POST" && req.url === `/sessions/${sessionId}/sandbox/git-token`) {
      if (!authorized(req)) {
        res.writeHead(401).end("unauthorized");
        return;
      }
      if (opts.gitTokenStatus) {
        res.writeHead(opts.gitTokenStatus).end("no token for you");
        return;
      }
      opts.onGitToken?.(gitTokens.length);
      const gitToken = opts.gitToken ?? `ghs_${randomBytes(18).toString("hex")}`;
      gitTokens.push(gitToken);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ token: gitToken, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }));
      return;
    }
    res.writeHead(404).end();
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    if (req.url !== `/sessions/${sessionId}/sandbox` || !authorized(req)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  function onConnection(ws: WebSocket) {
    const connection = connections++;
    sockets.add(ws);
    ws.on("close", () => sockets.delete(ws));
    ws.on("message", (raw) => {
      let msg: SandboxMessage;
      try {
        const parsed = SandboxMessage.safeParse(JSON.parse(raw.toString()));
        if (!parsed.success) {
          problems.push(`invalid message: ${parsed.error.message}`);
          return;
        }
        msg = parsed.data;
      } catch {
        problems.push("message is not JSON");
        return;
      }
      if (msg.type === "hello") {
        hellos.push(msg.lastAckedSeq);
        ws.send(JSON.stringify({ type: "ack", seq: contiguous() }));
        return;
      }
      batchSizes.push(msg.events.length);
      received.push(...msg.events);
      const { keep, close } = opts.intercept?.(msg.events, connection) ?? { keep: msg.events, close: false };
      for (const e of keep) if (!stored.has(e.seq)) stored.set(e.seq, e);
      for (const w of waiters) w();
      if (close) ws.terminate();
      else ws.send(JSON.stringify({ type: "ack", seq: contiguous() }));
    });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    sessionId,
    token,
    events: sorted,
    received,
    batchSizes,
    hellos,
    gitTokens,
    problems,
    connections: () => connections,
    send(msg) {
      for (const ws of sockets) ws.send(JSON.stringify(msg));
    },
    waitFor(pred, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const events = sorted();
          if (!pred(events)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(events);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`condition not met within ${timeoutMs} ms; stored ${stored.size} events`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
