/**
 * `npm run bench -- events` (also the last part of a whole `npm run bench`): the event path of one
 * session, on a real control plane.
 *   1. Events ingested per second into one session, sent by the bridge's own event stream
 *      (src/sandbox/bridge/event-stream.ts) in batches of 500 and acknowledged by the SessionDO.
 *   2. The same with 50 transcript subscribers attached, each receiving every event.
 *   3. Live event → 50 subscribers: from the bridge emitting an event to each subscriber's socket
 *      delivering it, p50 / p99 / max.
 *   4. Stored bytes per 1,000 events: growth of the session's SQLite file on disk.
 *
 * Why this way: everything the figures depend on is the real thing. The control plane is workerd
 * through wrangler (startControlPlane, state persisted to a temporary directory so its SQLite file
 * can be weighed); the session is started by a signed webhook against the GitHub stand-in, so its
 * sandbox token is minted by the control plane and handed to a sandbox host, as in production. The
 * bench serves that host itself (the real host routes, sandboxHostApp) and plays the bridge with
 * the bridge's own client code instead of running an agent, so the figures measure the control
 * plane, not a model. Transcript subscribers hold the capability an operator can sign with the
 * configured LINK_SECRET. All on 127.0.0.1; every wait is bounded.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type WebSocket from "ws";
import { startControlPlane } from "../src/cli/start-control-plane.js";
import { signLink } from "../src/core/sign-link.js";
import type { SandboxSpec } from "../src/core/wire.js";
import { startGitHubStandIn } from "../src/demo/github/start-github-stand-in.js";
import { waitFor } from "../src/demo/wait-for.js";
import { deliverWebhook } from "../src/demo/webhook.js";
import { createEventStream, type EventStream } from "../src/sandbox/bridge/event-stream.js";
import {
  assertOpen,
  eventInput,
  percentile,
  type Subscriber,
  sqliteBytes,
  startSpecRecorder,
  subscribe,
} from "./event-bench-support.js";

const INGEST_EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
const FANOUT_EVENTS = Math.min(INGEST_EVENTS, 20_000);
const SUBSCRIBERS = 50;
const LATENCY_EVENTS = 200;
const LATENCY_SPACING_MS = 20;
const BATCH = 500;

export type Latency = { p50: number; p99: number; max: number; samples: number };

export type EventBenchResult = {
  ingestPerSecond: number;
  ingestWithSubscribersPerSecond: number;
  /** On a session with only the probes in its log. */
  latency: Latency;
  /** On the session that took every ingested event (a very long run). */
  latencyLargeLog: Latency & { events: number };
  storedBytesPer1000: number;
  wireBytesPer1000: number;
};

/** Emits `count` events through the bridge's stream and waits for all of them to be acknowledged. */
async function ingest(stream: EventStream, count: number, offset: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) stream.emit(eventInput(offset + i));
  if (!(await stream.drain(120_000)))
    throw new Error("the control plane did not acknowledge every event in 120 s");
  return count / ((performance.now() - t0) / 1000);
}

export async function runEventBench(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)) {
  const github = await startGitHubStandIn();
  const hostSecret = randomBytes(24).toString("hex");
  const host = await startSpecRecorder(hostSecret);
  const persistDir = await mkdtemp(path.join(tmpdir(), "understudy-bench-state-"));
  const linkSecret = randomBytes(24).toString("hex");
  const webhookSecret = randomBytes(20).toString("hex");
  const streams: EventStream[] = [];
  const sockets: WebSocket[] = [];
  let controlPlane: Awaited<ReturnType<typeof startControlPlane>> | null = null;
  try {
    const owner = "octocat";
    const repo = "hello-world";
    const installation = github.createInstallation({ account: owner });
    await github.createRepo({
      owner,
      name: repo,
      files: { "README.md": "# hello\n" },
      installationId: installation.id,
    });
    controlPlane = await startControlPlane({
      vars: {
        APP_ID: String(github.app.id),
        PRIVATE_KEY: github.app.privateKeyPkcs8,
        WEBHOOK_SECRET: webhookSecret,
        LINK_SECRET: linkSecret,
        APP_SLUG: github.app.slug,
        GITHUB_API_URL: github.apiUrl,
        GITHUB_URL: github.url,
        SANDBOX_HOST_URL: host.url,
        SANDBOX_HOST_SECRET: hostSecret,
      },
      persistTo: persistDir,
    });
    const wsBase = controlPlane.url.replace(/^http/, "ws");
    /** A session of its own (an issue and a triggering comment), as far as its sandbox's spec. */
    const startSession = async (title: string): Promise<SandboxSpec> => {
      const issue = github.createIssue({ owner, repo, title, user: owner });
      const comment = github.createIssueComment({
        owner,
        repo,
        issueNumber: issue.number,
        body: "@understudy fix the flaky date test",
        user: owner,
      });
      const spawned = host.specs.length;
      const res = await deliverWebhook(`${controlPlane?.url}/api/github/webhooks`, {
        name: "issue_comment",
        payload: github.webhookPayload("issue_comment.created", {
          owner,
          repo,
          issueNumber: issue.number,
          commentId: comment.id,
        }),
        secret: webhookSecret,
      });
      if (!res.ok) throw new Error(`the webhook was refused: ${res.status} ${await res.text()}`);
      return waitFor("the control plane to spawn a sandbox", () => host.specs[spawned], 30_000);
    };
    const openStream = (spec: SandboxSpec) => {
      const s = createEventStream({
        url: `${wsBase}/sessions/${spec.sessionId}/sandbox`,
        token: spec.token,
        startSeq: spec.startSeq,
        batchSize: BATCH,
        flushMs: 0,
      });
      streams.push(s);
      return s;
    };
    const socketUrl = async (spec: SandboxSpec) =>
      `${wsBase}/sessions/${spec.sessionId}/socket?token=${encodeURIComponent(await signLink(linkSecret, "transcript", spec.sessionId))}`;
    const probeLatency = async (spec: SandboxSpec, stream: EventStream): Promise<Latency> => {
      const sentAt = new Map<string, number>();
      const samples: number[] = [];
      const watchers: Subscriber[] = [];
      const url = await socketUrl(spec);
      for (let i = 0; i < SUBSCRIBERS; i++) {
        const w = await subscribe(url, true);
        w.onEvent = (text, at) => {
          for (const m of text.matchAll(/latency-probe-(\d+)/g)) {
            const t = sentAt.get(m[1] as string);
            if (t !== undefined) samples.push(at - t);
          }
        };
        watchers.push(w);
      }
      sockets.push(...watchers.map((w) => w.ws));
      // One event at a time, spaced, so each is measured alone.
      for (let i = 0; i < LATENCY_EVENTS; i++) {
        sentAt.set(String(i), performance.now());
        stream.emit({ type: "assistant_text", data: { text: `latency-probe-${i}` } });
        await new Promise((r) => setTimeout(r, LATENCY_SPACING_MS));
      }
      await waitFor(
        "every probe at every subscriber",
        () => {
          assertOpen(watchers);
          return samples.length >= LATENCY_EVENTS * SUBSCRIBERS || undefined;
        },
        30_000,
      );
      for (const w of watchers) w.ws.close();
      const sorted = [...samples].sort((a, b) => a - b);
      return {
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: sorted.at(-1) ?? Number.NaN,
        samples: sorted.length,
      };
    };

    // A fresh session: live latency with nothing else in its log.
    const fresh = await startSession("Fresh session");
    const latency = await probeLatency(fresh, openStream(fresh));
    log(
      `live event → ${SUBSCRIBERS} subscribers: p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms`,
    );

    // A loaded session: throughput, bytes on disk, fan-out, then latency again over its long log.
    const loaded = await startSession("Loaded session");
    const stream = openStream(loaded);
    // Warm-up: the connection, the isolate's code paths, the first comment edits.
    await ingest(stream, 1_000, 0);
    const bytesBefore = await sqliteBytes(persistDir);
    const ingestPerSecond = await ingest(stream, INGEST_EVENTS, 1_000);
    const storedBytesPer1000 = ((await sqliteBytes(persistDir)) - bytesBefore) / (INGEST_EVENTS / 1000);
    let wireBytesPer1000 = 0;
    for (let i = 0; i < 1000; i++)
      wireBytesPer1000 += JSON.stringify({ seq: i, at: new Date().toISOString(), ...eventInput(i) }).length;
    log(`ingest: ${Math.round(ingestPerSecond)} events/s over ${INGEST_EVENTS} events`);

    const counters: Subscriber[] = [];
    const url = await socketUrl(loaded);
    for (let i = 0; i < SUBSCRIBERS; i++) counters.push(await subscribe(url, false));
    sockets.push(...counters.map((c) => c.ws));
    const ingestWithSubscribersPerSecond = await ingest(stream, FANOUT_EVENTS, 1_000 + INGEST_EVENTS);
    await waitFor(
      "every subscriber to receive every event",
      () => {
        assertOpen(counters);
        return counters.every((c) => c.received >= FANOUT_EVENTS) || undefined;
      },
      60_000,
    );
    for (const c of counters) c.ws.close();
    log(
      `ingest with ${SUBSCRIBERS} subscribers: ${Math.round(ingestWithSubscribersPerSecond)} events/s over ${FANOUT_EVENTS} events`,
    );
    const latencyLargeLog = {
      ...(await probeLatency(loaded, stream)),
      events: 1_000 + INGEST_EVENTS + FANOUT_EVENTS,
    };
    log(`same over ${latencyLargeLog.events} events: p99 ${latencyLargeLog.p99.toFixed(1)} ms`);
    return {
      ingestPerSecond,
      ingestWithSubscribersPerSecond,
      latency,
      latencyLargeLog,
      storedBytesPer1000,
      wireBytesPer1000,
    } satisfies EventBenchResult;
  } finally {
    for (const ws of sockets) ws.terminate();
    for (const s of streams) s.close();
    await controlPlane?.dispose().catch(() => {});
    await host.close().catch(() => {});
    await github.close().catch(() => {});
    await rm(persistDir, { recursive: true, force: true });
  }
}

/** The figures as markdown rows, like bench/run.ts prints its own. */
export function eventBenchRows(r: EventBenchResult): [string, string][] {
  const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const n = (x: number) => x.toLocaleString("en-US");
  return [
    [
      `events ingested into one session, batches of ${BATCH} (${n(INGEST_EVENTS)} events)`,
      `${n(Math.round(r.ingestPerSecond))} /s`,
    ],
    [
      `same, with ${SUBSCRIBERS} transcript subscribers receiving every event (${n(FANOUT_EVENTS)} events)`,
      `${n(Math.round(r.ingestWithSubscribersPerSecond))} /s`,
    ],
    [`live event → ${SUBSCRIBERS} subscribers, p50 (${n(r.latency.samples)} deliveries)`, ms(r.latency.p50)],
    [`live event → ${SUBSCRIBERS} subscribers, p99`, ms(r.latency.p99)],
    [`live event → ${SUBSCRIBERS} subscribers, max`, ms(r.latency.max)],
    [
      `live event → ${SUBSCRIBERS} subscribers, p50, run of ${n(r.latencyLargeLog.events)} events`,
      ms(r.latencyLargeLog.p50),
    ],
    [
      `live event → ${SUBSCRIBERS} subscribers, p99, run of ${n(r.latencyLargeLog.events)} events`,
      ms(r.latencyLargeLog.p99),
    ],
    ["stored bytes per 1,000 events (SQLite file growth)", kb(r.storedBytesPer1000)],
    ["the same 1,000 events as wire JSON", kb(r.wireBytesPer1000)],
  ];
}
