import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { fetchGitToken } from "./fetch-git-token.js";

const SANDBOX_TOKEN = "sbx_secret_0123456789";
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(handler: Handler, port = 0): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on (for now): taken from the OS, then released. */
async function freePort(): Promise<number> {
  const port = await listen(() => undefined);
  await new Promise((r) => servers.pop()!.close(r));
  return port;
}

const answerToken: Handler = (req, res) => {
  expect(req.method).toBe("POST");
  expect(req.url).toBe("/sessions/s1/sandbox/git-token");
  expect(req.headers.authorization).toBe(`Bearer ${SANDBOX_TOKEN}`);
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ token: "ghs_short_lived", expiresAt: "2026-12-06T03:00:00Z" }));
};

const ask = (port: number, extra: Partial<Parameters<typeof fetchGitToken>[0]> = {}) =>
  fetchGitToken({
    controlUrl: `http://127.0.0.1:${port}/`,
    sessionId: "s1",
    sandboxToken: SANDBOX_TOKEN,
    backoffInitialMs: 20,
    backoffMaxMs: 100,
    ...extra,
  });

it("waits out a control plane that is restarting (connection refused), then gets the token", async () => {
  const port = await freePort();
  // Two sandboxes ask while nothing listens; the control plane comes back 2 s later (a workerd
  // restart takes about 3 s; three tries within 1.5 s once lost a chaos run its clone).
  const asking = [ask(port), ask(port)];
  await new Promise((r) => setTimeout(r, 2_000));
  await listen(answerToken, port);
  const tokens = await Promise.all(asking);
  expect(tokens.map((t) => t.token)).toEqual(["ghs_short_lived", "ghs_short_lived"]);
});

it("asks again after 5xx and 429 answers", async () => {
  const answers = [503, 429, 502];
  let calls = 0;
  const port = await listen((req, res) => {
    const status = answers[calls++];
    if (status === undefined) return answerToken(req, res);
    res.writeHead(status).end("busy");
  });
  await expect(ask(port)).resolves.toMatchObject({ token: "ghs_short_lived" });
  expect(calls).toBe(4);
});

it("gives up at once on a 401, naming the answer and never echoing the sandbox token", async () => {
  let calls = 0;
  const port = await listen((_req, res) => {
    calls += 1;
    res.writeHead(401).end(`bad token ${SANDBOX_TOKEN}`);
  });
  const error = await ask(port).then(
    () => null,
    (e: Error) => e,
  );
  expect(error?.message).toMatch(/after 1 attempt: HTTP 401/);
  expect(error?.message).not.toContain(SANDBOX_TOKEN);
  expect(calls).toBe(1);
});

it("gives up after its window on a control plane that never comes back, saying why", async () => {
  const port = await freePort();
  const error = await ask(port, { giveUpAfterMs: 300 }).then(
    () => null,
    (e: Error) => e,
  );
  expect(error?.message).toMatch(/could not get a git token .* after \d+ attempts: .*ECONNREFUSED/);
  expect(Number(/after (\d+) attempts/.exec(error!.message)![1])).toBeGreaterThan(1);
});

it("stops waiting as soon as the run is stopped", async () => {
  const port = await freePort();
  const stop = new AbortController();
  const asking = ask(port);
  const stopped = ask(port, {
    giveUpAfterMs: 60_000,
    backoffInitialMs: 10_000,
    backoffMaxMs: 10_000,
    signal: stop.signal,
  });
  setTimeout(() => stop.abort(), 100);
  const t0 = performance.now();
  await expect(stopped).rejects.toThrow(/the run was stopped/);
  // Well short of the 5–10 s backoff it was in.
  expect(performance.now() - t0).toBeLessThan(4_000);
  // The other, unstopped, is still waiting: it gets its token once the control plane is back.
  await listen(answerToken, port);
  await expect(asking).resolves.toMatchObject({ token: "ghs_short_lived" });
});
