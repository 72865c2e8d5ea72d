/**
 * `npm run bench -- page` (also part of a whole `npm run bench`): what people see of a session, on a
 * real control plane.
 *   1. GitHub writes per session (POST, PATCH, PUT, DELETE on the session's repository: the 👀, the
 *      status comment and its edits, the pull request), for a run of 1,000 agent events and one of
 *      10,000, both spread over the same wall-clock time. Coalesced edits should make it flat.
 *   2. The transcript page's first response for the 10,000-event session: its bytes and wall time
 *      on loopback, and the same for the JSON of all its events, for contrast.
 *
 * Why this way: the control plane is workerd through wrangler (startControlPlane) with the
 * production COMMENT_INTERVAL_MS, set explicitly; each session is started by a signed webhook
 * against the GitHub stand-in, which logs every request the bot makes. The sandbox host records the
 * spawn request (startSpecRecorder) and the bench runs the bridge itself in-process, `runBridge`,
 * with a scripted agent in place of Claude Code: so the clone, the git token, the heartbeats, the
 * commit, the push to the stand-in, `push_complete` and `execution_complete` are the bridge's own,
 * and the control plane finishes through its real path (a pull request, the final comment). Each
 * size gets a repository of its own, so a write is counted by its path alone. All on 127.0.0.1;
 * every wait is bounded.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent as HttpAgent, request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { startControlPlane } from "../src/cli/start-control-plane.js";
import { signLink } from "../src/core/sign-link.js";
import type { SandboxSpec } from "../src/core/wire.js";
import { type LogEntry, startGitHubStandIn } from "../src/demo/github/start-github-stand-in.js";
import { waitFor } from "../src/demo/wait-for.js";
import { deliverWebhook } from "../src/demo/webhook.js";
import type { Agent } from "../src/sandbox/agents/agent.js";
import { runBridge } from "../src/sandbox/bridge/run-bridge.js";
import { agentEventInput, percentile, startSpecRecorder } from "./event-bench-support.js";

const SIZES = [1_000, 10_000] as const;
/** Both sizes are emitted over this long, evenly (1 s to 2 min). */
const EMIT_MS = Math.max(1_000, Math.min(120_000, Number(process.env.BENCH_PAGE_EMIT_MS) || 15_000));
const TICK_MS = 50;
/** The production default (worker/config.ts), passed explicitly: the figures are production's. */
const COMMENT_INTERVAL_MS = 3_000;
/** The bridge's heartbeat, shorter than the 15 s the control plane asks for, so each run has some. */
const HEARTBEAT_MS = 1_000;
const WARMUPS = 3;
const FETCHES = 20;
const WRITE_METHODS = new Set(["POST", "PATCH", "PUT", "DELETE"]);

export type Writes = {
  total: number;
  byKind: Record<string, number>;
  /** Between two edits of the running comment (the final edit excluded). */
  minEditGapMs: number | null;
};
export type Fetched = { bytes: number; p50: number; p95: number };

export type PageBenchResult = {
  emitMs: number;
  writes: { agentEvents: number; storedEvents: number; headline: string; writes: Writes }[];
  /** Installation tokens the control plane minted during the whole bench (not writes to a repository). */
  tokenMints: number;
  page: Fetched & { events: number };
  eventsJson: Fetched;
};

/** What a write to the session's repository is, by its path. */
function kindOf(e: LogEntry, repoPath: string): string {
  const rest = e.path.slice(repoPath.length);
  if (/\/reactions$/.test(rest)) return "reaction";
  if (e.method === "POST" && /^\/issues\/\d+\/comments$/.test(rest)) return "comment created";
  if (e.method === "PATCH" && /^\/issues\/comments\/\d+$/.test(rest)) return "comment edit";
  if (e.method === "POST" && rest === "/pulls") return "pull request";
  return `${e.method} ${rest}`;
}

function countWrites(log: readonly LogEntry[], apiPath: string, owner: string, repo: string): Writes {
  const repoPath = `${apiPath}/repos/${owner}/${repo}`;
  const writes = log.filter((e) => WRITE_METHODS.has(e.method) && e.path.startsWith(`${repoPath}/`));
  const byKind: Record<string, number> = {};
  for (const w of writes) {
    const k = kindOf(w, repoPath);
    byKind[k] = (byKind[k] ?? 0) + 1;
  }
  // The final edit is written at once by design (worker/session/comment.ts): only the running ones.
  const edits = writes
    .filter((w) => kindOf(w, repoPath) === "comment edit")
    .map((w) => w.at)
    .slice(0, -1);
  const gaps = edits.slice(1).map((t, i) => t - edits[i]!);
  return { total: writes.length, byKind, minEditGapMs: gaps.length > 0 ? Math.min(...gaps) : null };
}

/**
 * Claude Code's stand-in: `count` events evenly over `emitMs`, then a change in the checkout (so the
 * bridge commits and pushes it) and a successful result.
 */
function scriptedAgent(count: number, emitMs: number): Agent {
  return async (opts, onEvent) => {
    const t0 = performance.now();
    let sent = 0;
    // Bounded: once emitMs has passed every event is due; an abort ends it early.
    while (sent < count && !opts.signal?.aborted) {
      const due = Math.min(count, Math.ceil((count * (performance.now() - t0)) / emitMs));
      while (sent < due) onEvent(agentEventInput(sent++));
      if (sent < count) await new Promise((r) => setTimeout(r, TICK_MS));
    }
    await writeFile(
      path.join(opts.cwd, "src-dates.md"),
      "Dates are parsed as UTC: `new Date(Date.UTC(y, m - 1, d))`.\n",
    );
    const summary = "Parse dates as UTC\n\nThe date tests failed near midnight in time zones east of UTC.";
    onEvent({ type: "assistant_text", data: { text: summary } });
    return { success: !opts.signal?.aborted, summary, durationMs: performance.now() - t0, exitCode: 0 };
  };
}

/** GET on a kept-alive loopback connection: body bytes and wall time to the last byte, uncompressed. */
function timedGet(
  url: string,
  agent: HttpAgent,
): Promise<{ status: number; bytes: number; ms: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, { agent, headers: { accept: "*/*" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, bytes: body.length, ms: performance.now() - t0, body });
      });
      res.on("error", reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${url} within 30 s`)));
    req.on("error", reject);
    req.end();
  });
}

async function measureGet(url: string, agent: HttpAgent): Promise<Fetched & { body: Buffer }> {
  const times: number[] = [];
  let last: Awaited<ReturnType<typeof timedGet>> | null = null;
  for (let i = 0; i < WARMUPS + FETCHES; i++) {
    last = await timedGet(url, agent);
    if (last.status !== 200) throw new Error(`GET ${url.replace(/token=[^&]+/, "token=…")}: ${last.status}`);
    if (i >= WARMUPS) times.push(last.ms);
  }
  const sorted = times.sort((a, b) => a - b);
  return { bytes: last!.bytes, p50: percentile(sorted, 50), p95: percentile(sorted, 95), body: last!.body };
}

export async function runPageBench(
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<PageBenchResult> {
  const github = await startGitHubStandIn();
  const hostSecret = randomBytes(24).toString("hex");
  const host = await startSpecRecorder(hostSecret);
  const linkSecret = randomBytes(24).toString("hex");
  const webhookSecret = randomBytes(20).toString("hex");
  const work = await mkdtemp(path.join(tmpdir(), "understudy-bench-page-"));
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  let controlPlane: Awaited<ReturnType<typeof startControlPlane>> | null = null;
  try {
    const owner = "octocat";
    const installation = github.createInstallation({ account: owner });
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
        COMMENT_INTERVAL_MS: String(COMMENT_INTERVAL_MS),
      },
      persistTo: false,
    });
    const apiPath = new URL(github.apiUrl).pathname.replace(/\/$/, "");

    /** One session on a repository of its own, from the webhook to its final status comment. */
    const runSession = async (repo: string, agentEvents: number) => {
      await github.createRepo({
        owner,
        name: repo,
        files: {
          "README.md": "# hello\n",
          "package.json":
            '{ "name": "hello-world", "version": "1.0.0", "scripts": { "test": "node --test" } }\n',
          // Thousands of scripted tool calls: past the default budget of 150 turns.
          ".github/understudy.yml": "max_turns: 10000\n",
        },
        installationId: installation.id,
      });
      const issue = github.createIssue({ owner, repo, title: "Date tests fail near midnight", user: owner });
      const trigger = github.createIssueComment({
        owner,
        repo,
        issueNumber: issue.number,
        body: "@understudy fix the flaky date test",
        user: owner,
      });
      const spawned = host.specs.length;
      const t0 = performance.now();
      const res = await deliverWebhook(`${controlPlane?.url}/api/github/webhooks`, {
        name: "issue_comment",
        payload: github.webhookPayload("issue_comment.created", {
          owner,
          repo,
          issueNumber: issue.number,
          commentId: trigger.id,
        }),
        secret: webhookSecret,
      });
      if (!res.ok) throw new Error(`the webhook was refused: ${res.status} ${await res.text()}`);
      const spec: SandboxSpec = await waitFor(
        "the control plane to spawn a sandbox",
        () => host.specs[spawned],
        30_000,
      );
      const workDir = await mkdtemp(path.join(work, `${repo}-`));
      const bridge = await runBridge(spec, {
        agent: scriptedAgent(agentEvents, EMIT_MS),
        workDir,
        modelEnv: {},
        heartbeatMs: HEARTBEAT_MS,
      });
      if (bridge.exitCode !== 0 || !bridge.success || !bridge.pushed)
        throw new Error(`the bridge's run did not end well: ${JSON.stringify(bridge)}`);
      const statusComment = () =>
        github.state.comments.find(
          (c) =>
            c.owner === owner &&
            c.repo === repo &&
            c.issueNumber === issue.number &&
            c.user === github.app.botLogin,
        );
      const final = await waitFor(
        "the status comment to show a terminal state",
        () => {
          const body = statusComment()?.body ?? "";
          return /^### (✅|❌|⏹️)/mu.test(body) ? body : undefined;
        },
        30_000,
      );
      const headline = final.match(/^### .*$/mu)?.[0].slice(4) ?? "?";
      log(
        `${agentEvents.toLocaleString("en-US")} agent events: "${headline}" ${Math.round(performance.now() - t0)} ms after the webhook`,
      );
      return { spec, repo, agentEvents, headline };
    };

    const sessions = [];
    for (const n of SIZES) sessions.push(await runSession(`hello-${n}`, n));

    const big = sessions.at(-1)!;
    const token = encodeURIComponent(await signLink(linkSecret, "transcript", big.spec.sessionId));
    const base = `${controlPlane.url}/sessions/${big.spec.sessionId}`;
    const json = await measureGet(`${base}/events?token=${token}`, httpAgent);
    const all = JSON.parse(json.body.toString()) as { events: unknown[] };
    log(`/events: ${all.events.length} events, ${json.bytes} bytes, p50 ${json.p50.toFixed(1)} ms`);
    const page = await measureGet(`${base}?token=${token}`, httpAgent);
    // Elements of the log the page renders (events and results carry a data-id), for the log only.
    const shown = page.body.toString().match(/ data-id="/g)?.length ?? 0;
    log(
      `page: ${page.bytes} bytes, ${shown} event elements, p50 ${page.p50.toFixed(1)} ms, p95 ${page.p95.toFixed(1)} ms`,
    );

    // Counted last, seconds after the last final comment, so a late write would be in.
    const writes = [];
    for (const s of sessions) {
      const sJson = await timedGet(
        `${controlPlane.url}/sessions/${s.spec.sessionId}/events?token=${encodeURIComponent(await signLink(linkSecret, "transcript", s.spec.sessionId))}`,
        httpAgent,
      );
      writes.push({
        agentEvents: s.agentEvents,
        storedEvents: (JSON.parse(sJson.body.toString()) as { events: unknown[] }).events.length,
        headline: s.headline,
        writes: countWrites(github.log, apiPath, owner, s.repo),
      });
    }
    const tokenMints = github.log.filter(
      (e) => e.method === "POST" && /\/app\/installations\/\d+\/access_tokens$/.test(e.path),
    ).length;
    if (github.unhandled.length > 0) log(`stand-in: unhandled requests: ${github.unhandled.join(", ")}`);
    return {
      emitMs: EMIT_MS,
      writes,
      tokenMints,
      page: { bytes: page.bytes, p50: page.p50, p95: page.p95, events: all.events.length },
      eventsJson: { bytes: json.bytes, p50: json.p50, p95: json.p95 },
    };
  } finally {
    httpAgent.destroy();
    await controlPlane?.dispose().catch(() => {});
    await host.close().catch(() => {});
    await github.close().catch(() => {});
    await rm(work, { recursive: true, force: true });
  }
}

/** The figures as markdown rows, like bench/run.ts prints its own. */
export function pageBenchRows(r: PageBenchResult): [string, string][] {
  const n = (x: number) => x.toLocaleString("en-US");
  const kb = (b: number) => `${n(Math.round(b / 1024))} KB`;
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const plural: Record<string, string> = {
    reaction: "reactions",
    "comment created": "comments created",
    "comment edit": "comment edits",
    "pull request": "pull requests",
  };
  const kinds = (w: Writes) =>
    Object.entries(w.byKind)
      .map(([k, v]) => `${v} ${v === 1 ? k : (plural[k] ?? k)}`)
      .join(", ");
  const rows: [string, string][] = r.writes.map((s) => [
    `GitHub writes, session of ${n(s.agentEvents)} agent events over ${r.emitMs / 1000} s (${n(s.storedEvents)} stored; ends "${s.headline}")`,
    `${s.writes.total} (${kinds(s.writes)})`,
  ]);
  const [small, large] = r.writes;
  if (small && large)
    rows.push([
      `writes, ${n(large.agentEvents)} ÷ ${n(small.agentEvents)} events`,
      (large.writes.total / small.writes.total).toFixed(2),
    ]);
  const gaps = r.writes.map((s) => s.writes.minEditGapMs).filter((g): g is number => g !== null);
  if (gaps.length > 0)
    rows.push([
      "shortest gap between two edits of the running status comment (final edit excluded)",
      `${n(Math.round(Math.min(...gaps)))} ms`,
    ]);
  rows.push(
    ["installation tokens minted, both sessions (POST …/access_tokens, not counted above)", n(r.tokenMints)],
    [`transcript page, first response, ${n(r.page.events)}-event session: bytes`, kb(r.page.bytes)],
    ["transcript page, wall time on loopback, p50 (20 fetches)", ms(r.page.p50)],
    ["transcript page, wall time on loopback, p95", ms(r.page.p95)],
    [`/sessions/:id/events JSON (all ${n(r.page.events)} events): bytes`, kb(r.eventsJson.bytes)],
    ["/sessions/:id/events JSON, p50", ms(r.eventsJson.p50)],
    ["/sessions/:id/events JSON, p95", ms(r.eventsJson.p95)],
  );
  return rows;
}
