/**
 * The webhook flood, run as a process of its own so the sender's CPU is not the test process's:
 * `node --import tsx test/chaos/flood.ts <plan.json>`. The plan lists every delivery with the moment
 * (ms after the start) it is due; each is signed as GitHub signs it and POSTed on a connection of
 * its own, at most `concurrency` at a time, each with a timeout. Prints one JSON line: a result per
 * request, in plan order.
 */
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { signWebhook } from "../../src/demo/webhook.js";

export type FloodPlan = {
  url: string;
  secret: string;
  /** Most requests in flight at once; a due request waits for a free slot. */
  concurrency: number;
  /** Each request is abandoned (and reported with status 0) after this long. */
  timeoutMs: number;
  requests: Array<{ id: string; name: string; body: string; atMs: number }>;
};

export type FloodResult = {
  /** HTTP status, or 0 when there was no answer (error or timeout). */
  status: number;
  /** From sending to the whole answer read. */
  ms: number;
  /** How late it was sent against its due time (a full set of slots delays it). */
  lateMs: number;
  error?: string;
  /** The start of the answer's body when it was not a 2xx, to tell who refused it and why. */
  body?: string;
};

export type FloodReport = { results: FloodResult[]; durationMs: number; maxInFlight: number };

async function main(planFile: string): Promise<FloodReport> {
  const plan = JSON.parse(readFileSync(planFile, "utf8")) as FloodPlan;
  const signatures = new Map<string, string>();
  for (const r of plan.requests) {
    if (!signatures.has(r.body)) signatures.set(r.body, await signWebhook(plan.secret, r.body));
  }
  const results: FloodResult[] = new Array(plan.requests.length);
  let inFlight = 0;
  let maxInFlight = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    inFlight -= 1;
    waiting.shift()?.();
  };
  const started = performance.now();
  const sends: Promise<void>[] = [];
  for (const [i, r] of plan.requests.entries()) {
    const wait = started + r.atMs - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    while (inFlight >= plan.concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const sentAt = performance.now();
    const lateMs = Math.max(0, sentAt - started - r.atMs);
    sends.push(
      post(plan.url, r.body, plan.timeoutMs, {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/8a2b4c1",
        accept: "*/*",
        "x-github-event": r.name,
        "x-github-delivery": r.id,
        "x-hub-signature-256": signatures.get(r.body)!,
        "x-github-hook-id": "1",
        "x-github-hook-installation-target-type": "integration",
      })
        .then((res) => {
          const ok = res.status >= 200 && res.status <= 299;
          results[i] = {
            status: res.status,
            ms: performance.now() - sentAt,
            lateMs,
            ...(ok ? {} : { body: res.text.slice(0, 200) }),
          };
        })
        .catch((err: unknown) => {
          results[i] = {
            status: 0,
            ms: performance.now() - sentAt,
            lateMs,
            error:
              err instanceof Error
                ? `${err.message}${"code" in err ? ` (${String(err.code)})` : ""}`
                : String(err),
          };
        })
        .finally(release),
    );
  }
  await Promise.all(sends);
  return { results, durationMs: performance.now() - started, maxInFlight };
}

/**
 * One POST on a connection of its own, as GitHub's deliveries come: a pooled keep-alive connection
 * can be closed by workerd's idle timeout just as it is reused, and the request is lost in transit
 * (a race of the client's pool, seen as "fetch failed" with undici, not an answer of the Worker's).
 */
function post(
  url: string,
  body: string,
  timeoutMs: number,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on("close", () => clearTimeout(timer));
    req.on("error", reject);
    req.end(body);
  });
}

const planFile = process.argv[2];
if (!planFile) {
  process.stderr.write("usage: node --import tsx test/chaos/flood.ts <plan.json>\n");
  process.exit(2);
}
main(planFile).then(
  (report) => {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  },
  (err: unknown) => {
    process.stderr.write(`flood failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
