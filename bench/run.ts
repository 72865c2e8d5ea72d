/**
 * `npm run bench`: the whole system, each figure next to its limit, everything on loopback.
 *   first-answer  the demo N times (cold isolate: webhook → 👀, → status comment, → PR, → final
 *                 comment), a follow-up on each, `help` on new threads in the warm isolate, and the
 *                 agent CLI alone on the same script (bench/first-answer.ts)
 *   worker-startup  workerd loading our bundle (plain and minified) against an empty Worker: the
 *                 start-up a cold isolate on Cloudflare adds to the first answer (bench/worker-startup.ts)
 *   session       whole sessions of 50 and 500 tool calls on a repository of thousands of files ÷
 *                 git clone + the same agent alone (bench/session-vs-limit.ts)
 *   events        the event path of one session (bench/events.ts)
 *   page          what people see: GitHub writes per session, the transcript page (bench/page.ts)
 *   memory        the bridge's RSS in a run, and what each extra concurrent session adds (bench/memory.ts)
 *   quick-start   the bridge's start-up and the checkout with the mirror cache (bench/bridge-spawn.ts,
 *                 bench/checkout.ts; `bridge-spawn` or `checkout` alone)
 * Prints each part as a markdown table (median, and spread where there are samples). A whole run
 * also writes them into docs/BENCHMARKS.md, between its "npm run bench" markers, with the machine,
 * the date and the command; `npm run bench -- <part>` runs one part and only prints it.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runDemo } from "../src/cli/run-demo.js";
import { contributingScript } from "../src/demo/model-server.js";
import { REPO_FILES, type Stack } from "../src/demo/start-stack.js";
import { waitFor } from "../src/demo/wait-for.js";
import { runAgentAlone } from "./agent-alone.js";
import { bridgeSpawnRows, runBridgeSpawnBench } from "./bridge-spawn.js";
import { checkoutRows, runCheckoutBench } from "./checkout.js";
import { eventBenchRows, runEventBench } from "./events.js";
import { type FirstAnswer, newThreadFirstAnswers, percentile } from "./first-answer.js";
import { median } from "./median.js";
import { memoryBenchRows, runMemoryBench } from "./memory.js";
import { pageBenchRows, runPageBench } from "./page.js";
import { runSessionBench, sessionBenchRows } from "./session-vs-limit.js";
import { runWorkerStartupBench, workerStartupRows } from "./worker-startup.js";

const N = Math.max(1, Math.min(10, Number(process.env.BENCH_RUNS ?? 3)));
/** Samples of the quick-to-start figures (bench/bridge-spawn.ts, bench/checkout.ts): cheap, so more. */
const QUICK_RUNS = Math.max(1, Math.min(30, Number(process.env.BENCH_QUICK_RUNS ?? 7)));
/** Interleaved workerd starts per kind (bench/worker-startup.ts): ~0.3 s each, and noisy, so more. */
const STARTUP_RUNS = Math.max(3, Math.min(30, Number(process.env.BENCH_STARTUP_RUNS ?? 10)));
/** `@understudy help` on this many new issues per demo stack: the warm first answer's samples. */
const NEW_THREADS = Math.max(1, Math.min(50, Number(process.env.BENCH_NEW_THREADS ?? 8)));

const ms = (x: number) => `${Math.round(x)} ms`;
const START = "<!-- npm run bench: start (written by bench/run.ts; edit outside the markers) -->";
const END = "<!-- npm run bench: end -->";

async function agentAlone(): Promise<number> {
  const dir = await mkdtemp(path.join(tmpdir(), "understudy-bench-"));
  const repo = path.join(dir, "repo");
  await mkdir(repo);
  for (const [file, content] of Object.entries(REPO_FILES)) {
    await mkdir(path.dirname(path.join(repo, file)), { recursive: true });
    await writeFile(path.join(repo, file), content);
  }
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", "init");
  try {
    return await runAgentAlone(repo, dir, contributingScript());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A follow-up comment on the finished session, same stack: the isolate, Probot and its token cache are warm. */
async function warmFirstResponse(stack: Stack): Promise<{ reactionMs: number; statusCommentMs: number }> {
  const { github } = stack;
  const bot = () => github.state.comments.filter((c) => c.user === github.app.botLogin);
  const before = bot().length;
  const sent = await stack.comment("@understudy also mention the lint command");
  const reaction = await waitFor("the warm reaction", () =>
    github.state.reactions.find((r) => r.commentId === sent.commentId),
  );
  const status = await waitFor("the warm status comment", () => bot()[before]);
  await waitFor("the follow-up run to end", () => /^### (✅|❌)/mu.test(bot()[before]?.body ?? ""), 60_000);
  return {
    reactionMs: reaction.createdAt - sent.receivedAt,
    statusCommentMs: status.createdAt - sent.receivedAt,
  };
}

type Part = { title: string; run: () => Promise<string> };

const PARTS: Record<string, Part> = {
  "first-answer": { title: "First answer and the demo (bench/first-answer.ts)", run: firstAnswerTable },
  "worker-startup": {
    title: "A cold isolate's start-up (bench/worker-startup.ts)",
    run: async () => markdownTable(workerStartupRows(await runWorkerStartupBench(STARTUP_RUNS))),
  },
  session: {
    title: "Whole sessions against their limit (bench/session-vs-limit.ts)",
    run: async () => markdownTable(await sessionTables()),
  },
  events: {
    title: "Event path of one session (bench/events.ts)",
    run: async () => markdownTable(eventBenchRows(await runEventBench())),
  },
  page: {
    title: "What people see (bench/page.ts)",
    run: async () => markdownTable(pageBenchRows(await runPageBench())),
  },
  memory: {
    title: "Memory of a session (bench/memory.ts)",
    run: async () => markdownTable(memoryBenchRows(await runMemoryBench())),
  },
  "quick-start": {
    title: "Quick to start (bench/bridge-spawn.ts, bench/checkout.ts)",
    run: () => quickStartTables("quick-start"),
  },
  "bridge-spawn": {
    title: "Bridge start-up (bench/bridge-spawn.ts)",
    run: () => quickStartTables("bridge-spawn"),
  },
  checkout: { title: "Checkout (bench/checkout.ts)", run: () => quickStartTables("checkout") },
};
const WHOLE = ["first-answer", "worker-startup", "session", "events", "page", "memory", "quick-start"];

const asked = process.argv[2];
if (asked !== undefined && !(asked in PARTS)) {
  process.stderr.write(`unknown part ${asked}: one of ${Object.keys(PARTS).join(", ")}\n`);
  process.exit(2);
}
const started = new Date();
const sections: string[] = [];
for (const name of asked ? [asked] : WHOLE) {
  const part = PARTS[name]!;
  const table = await part.run();
  const section = `### ${part.title}\n\n${table}`;
  process.stdout.write(`\n${section}`);
  sections.push(section);
}
if (!asked) {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "docs", "BENCHMARKS.md");
  await writeBenchmarks(file, started, sections);
  process.stderr.write(`wrote the figures into ${file}\n`);
}
process.exit(0);

async function firstAnswerTable(): Promise<string> {
  const demos: Awaited<ReturnType<typeof runDemo>>[] = [];
  const warm: { reactionMs: number; statusCommentMs: number }[] = [];
  const newThreads: FirstAnswer[] = [];
  for (let i = 0; i < N; i++) {
    const r = await runDemo({ quiet: true, keep: true });
    if (!r.ok || !r.stack) throw new Error(`demo run ${i + 1} failed: ${r.reason}`);
    demos.push(r);
    try {
      warm.push(await warmFirstResponse(r.stack));
      newThreads.push(...(await newThreadFirstAnswers(r.stack, NEW_THREADS)));
    } finally {
      await r.stack.close();
    }
    process.stderr.write(`demo ${i + 1}/${N}: ${ms(r.wallMs)}, warm reaction ${ms(warm[i]!.reactionMs)}\n`);
  }
  const agents: number[] = [];
  for (let i = 0; i < N; i++) {
    agents.push(await agentAlone());
    process.stderr.write(`agent alone ${i + 1}/${N}: ${ms(agents[i]!)}\n`);
  }
  const pick = (k: "reactionMs" | "statusCommentMs" | "pullRequestMs" | "finalCommentMs" | "wallMs") =>
    median(demos.map((d) => d[k] ?? Number.NaN));
  const agentMedian = median(agents);
  const cold = (k: "reactionMs" | "statusCommentMs") => demos.map((d) => d[k] ?? Number.NaN);
  const p50p99 = (xs: number[]) => `${ms(percentile(xs, 0.5))} / ${ms(percentile(xs, 0.99))}`;
  return markdownTable([
    [`webhook sent → 👀 reaction, cold isolate, p50 / max (${N})`, p50p99(cold("reactionMs"))],
    [
      `webhook sent → status comment created, cold isolate, p50 / max (${N})`,
      p50p99(cold("statusCommentMs")),
    ],
    [
      `webhook sent → 👀, warm isolate, new thread, p50 / p99 (${newThreads.length})`,
      p50p99(newThreads.map((t) => t.reactionMs)),
    ],
    [
      `webhook sent → reply comment, warm isolate, new thread, p50 / p99 (${newThreads.length})`,
      p50p99(newThreads.map((t) => t.replyMs)),
    ],
    ["webhook sent → 👀 reaction, follow-up on a warm session", ms(median(warm.map((w) => w.reactionMs)))],
    [
      "webhook sent → status comment created, follow-up on a warm session",
      ms(median(warm.map((w) => w.statusCommentMs))),
    ],
    ["webhook sent → pull request opened (demo)", ms(pick("pullRequestMs"))],
    ["webhook sent → final status comment (demo)", ms(pick("finalCommentMs"))],
    ["demo wall time (stack start-up included)", ms(pick("wallMs"))],
    ["agent CLI alone, same script and repo", ms(agentMedian)],
    ["webhook → final comment ÷ agent alone (demo)", (pick("finalCommentMs") / agentMedian).toFixed(2)],
  ]);
}

/** Replaces what is between the markers in docs/BENCHMARKS.md (or puts it after the title). */
async function writeBenchmarks(file: string, at: Date, sections: string[]): Promise<void> {
  const cpus = os.cpus();
  const head = [
    `Last whole run: \`npm run bench\` (BENCH_RUNS=${N}), ${at.toISOString().slice(0, 16).replace("T", " ")} UTC,`,
    `${cpus.length} × ${cpus[0]?.model.trim() ?? "CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version},`,
    `load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(" / ")} at the end. Medians; spread (min–max) or p99 where`,
    "there are samples; ratios against the limit measured in the same run.",
  ].join("\n");
  const block = `${START}\n${head}\n\n${sections.join("\n")}${END}`;
  let text = await readFile(file, "utf8");
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) text = `${text.slice(0, a)}${block}${text.slice(b + END.length)}`;
  else {
    const firstBreak = text.indexOf("\n\n");
    text = `${text.slice(0, firstBreak + 2)}${block}\n\n${text.slice(firstBreak + 2)}`;
  }
  await writeFile(file, text);
}

/** 50 tool calls, N fresh stacks; 500 tool calls, one (a minute of agent work on its own). */
async function sessionTables(): Promise<[string, string][]> {
  const files = Number(process.env.BENCH_SESSION_FILES ?? 2_000);
  const fifty = await runSessionBench({ runs: N, toolCalls: 50, files });
  const many = await runSessionBench({ runs: 1, toolCalls: 500, files });
  return [...sessionBenchRows(fifty), ...sessionBenchRows(many)];
}

async function quickStartTables(which: string): Promise<string> {
  const head = `Medians of ${QUICK_RUNS} runs (node ${process.version}, ${new Date().toISOString().slice(0, 10)}):\n\n`;
  const spawn =
    which === "checkout" ? "" : markdownTable(bridgeSpawnRows(await runBridgeSpawnBench(QUICK_RUNS)));
  const checkout =
    which === "bridge-spawn" ? "" : markdownTable(checkoutRows(await runCheckoutBench(QUICK_RUNS)));
  return `${head}${[spawn, checkout].filter(Boolean).join("\n")}`;
}

function markdownTable(table: [string, string][]): string {
  return `| measure | value |\n|---|---|\n${table.map(([k, v]) => `| ${k} | ${v} |\n`).join("")}`;
}
