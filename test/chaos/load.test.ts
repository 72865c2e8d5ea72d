/**
 * Load: many sessions at once on one local stack, and a flood of webhook deliveries from a separate
 * process. Memory and CPU of every process involved go into the notes of docs/RELIABILITY.md.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { contributingScript } from "../../src/demo/model-server.js";
import { type Stack, startStack } from "../../src/demo/start-stack.js";
import type { BridgeLog } from "../../src/sandbox/bridge/log.js";
import type { FloodPlan, FloodReport } from "./flood.js";
import { botCommentsOn, checkSession, type SessionOutcome } from "./support/check-session.js";
import { describeFigures, sampleProcesses } from "./support/proc-stats.js";
import { recordCase } from "./support/record-case.js";
import {
  describeFinalTimes,
  finishCase,
  sleep,
  triggerSessions,
  waitForFinalComments,
} from "./support/run-case.js";

const quiet: BridgeLog = { info() {}, warn() {}, error() {} };

describe("load", () => {
  it("20 concurrent sessions on one stack all complete with one status comment and one PR each", async () => {
    const sessions = 20;
    const stack = await startStack({ script: contributingScript(), hostLog: quiet });
    try {
      const sampler = sampleProcesses(200);
      const startedAt = performance.now();
      const triggers = await triggerSessions(stack, sessions);
      const finalAt = await waitForFinalComments(stack, triggers, 120_000, startedAt);
      const figures = sampler.stop();
      await sleep(1_500);
      const outcomes: SessionOutcome[] = [];
      for (const t of triggers) {
        const outcome = await checkSession(stack, t, { status: "completed", work: "pushed" });
        if (t.status !== 202) outcome.problems.push({ kind: "other", what: `webhook answered ${t.status}` });
        outcomes.push(outcome);
      }
      finishCase({
        group: "load",
        name: `${sessions} concurrent sessions (real agent CLI, scripted model) on one stack`,
        outcomes,
        notes: `${describeFinalTimes(finalAt, sessions)}; ${describeFigures(figures)}`,
      });
    } finally {
      await stack.close();
    }
  });

  it("a flood of 200 deliveries per second for 10 s, a third duplicates: each answered in time, each trigger processed once", async () => {
    const stack = await startStack({ hostLog: quiet });
    const dir = await mkdtemp(path.join(tmpdir(), "understudy-flood-"));
    try {
      const plan = buildFloodPlan(stack);
      const planFile = path.join(dir, "plan.json");
      await writeFile(planFile, JSON.stringify(plan.flood));

      const sampler = sampleProcesses(200);
      const report = await runFlood(planFile, 60_000);
      // Processing runs after the answers: wait (bounded) until the effects stop changing.
      await settleEffects(stack, plan, 60_000);
      const figures = sampler.stop();

      // 1. Every request answered 2xx within 10 s; a duplicate copy answered 200 (it starts nothing).
      const requestProblems: string[] = [];
      let requestsLost = 0;
      const statusesById = new Map<string, number[]>();
      report.results.forEach((r, i) => {
        const req = plan.flood.requests[i]!;
        statusesById.set(req.id, [...(statusesById.get(req.id) ?? []), r.status]);
        if (r.status === 0) {
          requestsLost += 1;
          requestProblems.push(`no answer (${r.error})`);
        } else if (r.status < 200 || r.status > 299) {
          requestsLost += 1;
          requestProblems.push(`answered ${r.status} ${JSON.stringify(r.body ?? "")}`);
        } else if (r.ms > 10_000) requestProblems.push("answered after more than 10 s");
      });
      let duplicatesMisanswered = 0;
      for (const statuses of statusesById.values()) {
        // One copy is the delivery; every other copy is a duplicate, whichever arrived first.
        if (statuses.length > 1 && statuses.filter((s) => s === 200).length !== statuses.length - 1) {
          duplicatesMisanswered += statuses.length - 1;
          requestProblems.push(`duplicates of one delivery answered ${statuses.join(", ")}`);
        }
      }
      const latencies = report.results.map((r) => r.ms).sort((a, b) => a - b);
      const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
      const failedRequests = report.results.filter((r) => r.status < 200 || r.status > 299 || r.ms > 10_000);
      const latencyNote =
        `${report.results.length} requests in ${(report.durationMs / 1000).toFixed(1)} s (${plan.duplicates} duplicates, ` +
        `${plan.concurrentDuplicates} of them sent together with their original), at most ${report.maxInFlight} in flight; ` +
        `latency p50 ${Math.round(pct(0.5))} ms, p99 ${Math.round(pct(0.99))} ms, max ${Math.round(latencies.at(-1) ?? 0)} ms; ` +
        `sent at most ${Math.round(Math.max(...report.results.map((r) => r.lateMs)))} ms behind schedule`;
      recordCase({
        group: "load",
        name: "flood: 2000 signed deliveries in 10 s from another process, every one answered 2xx within 10 s (duplicates 200)",
        tried: report.results.length,
        survived: Math.max(0, report.results.length - failedRequests.length - duplicatesMisanswered),
        lost: requestsLost,
        letIn: 0,
        notes: [latencyNote, summarize(requestProblems)].filter(Boolean).join(". "),
      });

      // 2. Each distinct trigger processed exactly once, duplicates without side effects.
      const effects = checkEffects(stack, plan);
      recordCase({
        group: "load",
        name: "flood: each distinct trigger processed exactly once (one reply; one 👀 for writers, none otherwise; no sandbox)",
        tried: plan.comments.length,
        survived: Math.max(0, plan.comments.length - effects.lost - effects.letIn),
        lost: effects.lost,
        letIn: effects.letIn,
        notes: [describeFigures(figures), summarize(effects.problems)].filter(Boolean).join(". "),
      });

      expect({
        requestProblems: summarize(requestProblems),
        effectProblems: summarize(effects.problems),
      }).toEqual({ requestProblems: "", effectProblems: "" });
    } finally {
      await stack.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

type PlannedComment = { issueNumber: number; commentId: number; writer: boolean };
type Plan = {
  flood: FloodPlan;
  comments: PlannedComment[];
  duplicates: number;
  concurrentDuplicates: number;
};

const FLOOD_REQUESTS = 2_000;
const PER_SECOND = 200;
const ISSUES = 50;

/**
 * 2000 requests at 200/s: about 1333 distinct comments that only say `@understudy` (the bot answers
 * with its help text and a 👀, no sandbox), one in five by a user without write access (one polite
 * reply, no 👀), spread over 50 issues; the other third are copies (same delivery id, same body) of
 * earlier ones, a third of those sent at the same moment as their original, the rest up to 3 s later.
 */
function buildFloodPlan(stack: Stack): Plan {
  const { github, owner, repo } = stack;
  const issues = Array.from({ length: ISSUES }, (_, i) =>
    stack.createIssue(`Flood target ${i + 1}`, "Mentions of the bot without a task."),
  );
  const distinct = Math.round((FLOOD_REQUESTS * 2) / 3);
  const duplicates = FLOOD_REQUESTS - distinct;
  const comments: PlannedComment[] = [];
  const originals: Array<{ id: string; body: string; slot: number }> = [];
  for (let i = 0; i < distinct; i++) {
    const issueNumber = issues[i % ISSUES]!;
    // Every fifth round over the issues is by the stranger, so each issue gets both kinds.
    const writer = Math.floor(i / ISSUES) % 5 !== 4;
    const user = writer ? (i % 2 === 0 ? "monalisa" : owner) : "stranger";
    const comment = github.createIssueComment({ owner, repo, issueNumber, body: "@understudy", user });
    const payload = github.webhookPayload("issue_comment.created", {
      owner,
      repo,
      issueNumber,
      commentId: comment.id,
    });
    comments.push({ issueNumber, commentId: comment.id, writer });
    originals.push({ id: crypto.randomUUID(), body: JSON.stringify(payload), slot: i * 1.5 });
  }
  // Deterministic spread: every other original, from the start, gets one copy.
  const intervalMs = 1000 / PER_SECOND;
  const entries: Array<{ id: string; body: string; key: number }> = originals.map((o) => ({
    ...o,
    key: o.slot,
  }));
  let concurrentDuplicates = 0;
  for (let k = 0; k < duplicates; k++) {
    const o = originals[k * 2]!;
    const together = k % 3 === 0;
    if (together) concurrentDuplicates += 1;
    // Same slot (right after the original, sent back to back) or 0.5–3 s of slots later.
    entries.push({ id: o.id, body: o.body, key: together ? o.slot + 0.01 : o.slot + 100 + ((k * 37) % 500) });
  }
  entries.sort((a, b) => a.key - b.key);
  const requests = entries.map((e, i) => {
    // A copy sent together with its original shares its due time.
    const prev = entries[i - 1];
    const atMs = prev && prev.id === e.id && e.key - prev.key < 1 ? (i - 1) * intervalMs : i * intervalMs;
    return { id: e.id, name: "issue_comment", body: e.body, atMs };
  });
  return {
    flood: {
      // Straight to workerd, as GitHub's deliveries reach a deployed Worker: wrangler's dev proxy in
      // between answers a few POSTs of a flood 503 when its pooled connections race workerd's idle
      // timeout (seen as TCPAbortOnClose in /proc/net/netstat, one per lost request).
      url: `${stack.controlPlane.workerUrl}/api/github/webhooks`,
      secret: stack.webhookSecret,
      concurrency: 256,
      timeoutMs: 15_000,
      requests,
    },
    comments,
    duplicates,
    concurrentDuplicates,
  };
}

/** Runs test/chaos/flood.ts in its own Node process; kills it after `timeoutMs`. */
function runFlood(planFile: string, timeoutMs: number): Promise<FloodReport> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const script = fileURLToPath(new URL("./flood.ts", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", tsx, script, planFile], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      out += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      err = (err + c).slice(-4_000);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`the flood process ended with ${signal ?? `code ${code}`}: ${err}`));
        return;
      }
      try {
        resolve(JSON.parse(out) as FloodReport);
      } catch (e) {
        reject(new Error(`the flood process printed no report: ${String(e)}; stderr: ${err}`));
      }
    });
  });
}

const botReplies = (stack: Stack, plan: Plan) =>
  [...new Set(plan.comments.map((c) => c.issueNumber))].reduce(
    (n, issueNumber) => n + botCommentsOn(stack, issueNumber).length,
    0,
  );

/**
 * Waits until the replies and reactions reach what one processing of each comment gives and stay
 * there for 3 s (a late duplicate shows itself), or stop changing for 10 s; never past `timeoutMs`.
 */
async function settleEffects(stack: Stack, plan: Plan, timeoutMs: number): Promise<void> {
  // A help reply and a 👀 per writer's comment; one polite reply per thread a stranger asked in.
  const writers = plan.comments.filter((c) => c.writer).length;
  const strangerThreads = new Set(plan.comments.filter((c) => !c.writer).map((c) => c.issueNumber)).size;
  const expected = 2 * writers + strangerThreads;
  const count = () => botReplies(stack, plan) + stack.github.state.reactions.length;
  const deadline = performance.now() + timeoutMs;
  let last = -1;
  let since = performance.now();
  while (performance.now() < deadline) {
    const now = count();
    if (now !== last) {
      last = now;
      since = performance.now();
    }
    const stableFor = performance.now() - since;
    if ((now >= expected && stableFor >= 3_000) || stableFor >= 10_000) return;
    await sleep(250);
  }
}

/** Per issue (the help text does not say which comment it answers), replies and 👀 against comments. */
function checkEffects(stack: Stack, plan: Plan): { lost: number; letIn: number; problems: string[] } {
  const { github } = stack;
  let lost = 0;
  let letIn = 0;
  const problems: string[] = [];
  const byIssue = new Map<number, PlannedComment[]>();
  for (const c of plan.comments) byIssue.set(c.issueNumber, [...(byIssue.get(c.issueNumber) ?? []), c]);
  for (const [issueNumber, comments] of byIssue) {
    const replies = botCommentsOn(stack, issueNumber);
    const polite = replies.filter((r) => r.body.includes("@stranger") && /write access/.test(r.body)).length;
    const help = replies.length - polite;
    const writers = comments.filter((c) => c.writer).length;
    // People without write access are answered once per thread, however often they ask.
    const strangers = comments.some((c) => !c.writer) ? 1 : 0;
    for (const [got, want, what] of [
      [help, writers, "help replies to writers"],
      [polite, strangers, "polite replies to users without write access"],
    ] as const) {
      if (got < want) {
        lost += want - got;
        problems.push(`missing ${what}`);
      } else if (got > want) {
        letIn += got - want;
        problems.push(`extra ${what}`);
      }
    }
  }
  for (const c of plan.comments) {
    const eyes = github.state.reactions.filter(
      (r) => r.commentId === c.commentId && r.content === "eyes",
    ).length;
    if (c.writer && eyes === 0) {
      lost += 1;
      problems.push("no 👀 on a writer's comment");
    } else if (c.writer && eyes > 1) {
      letIn += 1;
      problems.push("more than one 👀 on a comment");
    } else if (!c.writer && eyes > 0) {
      letIn += 1;
      problems.push("👀 on the comment of a user without write access");
    }
  }
  if (stack.host.sandboxes.size > 0) {
    letIn += stack.host.sandboxes.size;
    problems.push("a sandbox was started for a mention without a task");
  }
  // A comment can be both missing a reply and doubled a 👀: never count more than there were.
  return {
    lost: Math.min(lost, plan.comments.length),
    letIn: Math.min(letIn, plan.comments.length),
    problems,
  };
}

/** "3× x; 1× y" from a list with repeats; "" for none. */
function summarize(problems: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const p of problems) counts.set(p, (counts.get(p) ?? 0) + 1);
  return [...counts].map(([p, n]) => `${n}× ${p}`).join("; ");
}
