/**
 * Requests shaped by hand, where fetch would normalise what the case is about: a missing header, a
 * chunked body with no Content-Length, a WebSocket upgrade whose refusal status matters.
 */
import { request } from "node:http";
import WebSocket from "ws";

export type RawAnswer = { status: number | null; body: string; error?: string; ms: number };

/**
 * POSTs `body` with exactly `headers` (nothing added but Content-Length, unless `chunked`), in 1 MiB
 * writes that respect back-pressure. `holdOpen` sends the body but never ends the request, so only a
 * server that answers from what it has read so far answers at all. Never rejects; bounded by
 * `timeoutMs`.
 */
export function postRaw(
  url: string,
  opts: {
    body: Buffer | string;
    headers: Record<string, string>;
    chunked?: boolean;
    holdOpen?: boolean;
    timeoutMs?: number;
  },
): Promise<RawAnswer> {
  const body = typeof opts.body === "string" ? Buffer.from(opts.body, "utf8") : opts.body;
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: Omit<RawAnswer, "ms">) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ...a, ms: ms() });
    };
    const u = new URL(url);
    const headers = { ...opts.headers };
    if (!opts.chunked) headers["content-length"] = String(body.length);
    // A connection of its own, as GitHub's deliveries have: a pooled keep-alive socket that the server
    // closes just as it is reused would fail the request for a reason that is not the case's.
    const req = request({
      agent: false,
      host: u.hostname,
      port: u.port,
      path: `${u.pathname}${u.search}`,
      method: "POST",
      headers,
    });
    const timer = setTimeout(
      () => finish({ status: null, body: "", error: `no answer within ${opts.timeoutMs ?? 60_000} ms` }),
      opts.timeoutMs ?? 60_000,
    );
    req.on("response", (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () =>
        finish({ status: res.statusCode ?? null, body: Buffer.concat(parts).toString("utf8") }),
      );
      res.on("error", () =>
        finish({ status: res.statusCode ?? null, body: Buffer.concat(parts).toString("utf8") }),
      );
    });
    // A server that answers early and closes makes the remaining writes fail: that is not an error here.
    req.on("error", (err) => setTimeout(() => finish({ status: null, body: "", error: err.message }), 2_000));
    const CHUNK = 1024 * 1024;
    let offset = 0;
    const pump = () => {
      while (offset < body.length && !done) {
        const piece = body.subarray(offset, offset + CHUNK);
        offset += piece.length;
        if (!req.write(piece)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!done && !opts.holdOpen) req.end();
    };
    pump();
  });
}

/**
 * The status a WebSocket upgrade gets: 101 when accepted (the socket is closed at once), the HTTP
 * status of the refusal otherwise, null when nothing came within `timeoutMs`.
 */
export function upgradeStatus(
  url: string,
  headers: Record<string, string>,
  timeoutMs = 10_000,
): Promise<{ status: number | null; error?: string }> {
  return new Promise((resolve) => {
    let done = false;
    const ws = new WebSocket(url, { headers, handshakeTimeout: timeoutMs });
    const finish = (r: { status: number | null; error?: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        ws.terminate();
      } catch {
        // already gone
      }
      resolve(r);
    };
    const timer = setTimeout(
      () => finish({ status: null, error: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    ws.on("upgrade", () => finish({ status: 101 }));
    ws.on("unexpected-response", (_req, res) => {
      res.resume();
      finish({ status: res.statusCode ?? null });
    });
    ws.on("error", (err) => finish({ status: null, error: err.message }));
  });
}
