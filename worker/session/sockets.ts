/**
 * The bridge's WebSocket. Hibernatable: the run number lives in the socket's attachment, events are
 * stored before they are acknowledged, and a resent event (same run, same seq) is stored once.
 */
import { redactDeep } from "../../src/core/redact.js";
import { type ControlMessage, SandboxMessage } from "../../src/core/wire.js";
import { authorizeSandbox } from "./authorize-sandbox.js";
import { onSandboxConnected, onSandboxEvents } from "./lifecycle.js";
import type { SessionDeps } from "./session-deps.js";

type Attachment = { role: "sandbox"; run: number };

export async function acceptSandboxSocket(d: SessionDeps, request: Request): Promise<Response> {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return Response.json({ error: "expected a WebSocket upgrade" }, { status: 426 });
  }
  const s = await authorizeSandbox(d, request);
  if (!s) return Response.json({ error: "invalid or expired sandbox token" }, { status: 401 });
  const pair = new WebSocketPair();
  const server = pair[1];
  d.ctx.acceptWebSocket(server, ["sandbox"]);
  server.serializeAttachment({ role: "sandbox", run: s.run } satisfies Attachment);
  return new Response(null, { status: 101, webSocket: pair[0] });
}

export async function onSandboxMessage(
  d: SessionDeps,
  ws: WebSocket,
  raw: string | ArrayBuffer,
): Promise<void> {
  const attachment = ws.deserializeAttachment() as Attachment | null;
  if (attachment?.role !== "sandbox") return;
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
  } catch {
    ws.close(1007, "message is not JSON");
    return;
  }
  const parsed = SandboxMessage.safeParse(json);
  if (!parsed.success) {
    d.log("invalid sandbox message", { issues: parsed.error.issues.slice(0, 3) });
    ws.close(1007, "message does not match the wire schema");
    return;
  }
  const msg = parsed.data;
  const { run } = attachment;
  const isCurrentRun = d.store.getSession()?.run === run;
  if (msg.type === "hello") {
    send(ws, { type: "ack", seq: ackFor(d, run, isCurrentRun) });
    if (isCurrentRun) await onSandboxConnected(d, run);
    return;
  }
  // seq 0 is reserved for the control plane's own events.
  const fresh = d.store.insertEvents(
    run,
    msg.events.filter((e) => e.seq !== 0).map((e) => redactDeep(e)),
  );
  send(ws, { type: "ack", seq: ackFor(d, run, isCurrentRun) });
  if (isCurrentRun)
    await onSandboxEvents(
      d,
      fresh.map((e) => e.event),
    );
}

/**
 * The highest seq stored for the run. A fresh bridge whose own events have not arrived yet is acked
 * its run's startSeq (its seqs start after it), never a higher seq of another run: a bridge of an
 * earlier run that is still sending must not make this one forget events it never delivered.
 */
function ackFor(d: SessionDeps, run: number, isCurrentRun: boolean): number {
  const own = d.store.lastSeq(run);
  return isCurrentRun ? Math.max(own, d.store.getSession()?.startSeq ?? 0) : own;
}

function send(ws: WebSocket, msg: ControlMessage): boolean {
  try {
    ws.send(JSON.stringify(msg));
    return true;
  } catch {
    return false;
  }
}
