/**
 * `npm run bench`: first-response latency and end-to-end overhead of the local stack.
 *   1. The demo, N times: webhook → 👀 reaction, → status comment, → PR, → final comment, and wall time.
 *   2. The agent CLI alone, N times, on the same scripted model and repository: its wall time.
 * Prints medians as a markdown table, plus the ratio of the two; then the event path (bench/events.ts),
 * what people see (bench/page.ts) and how quickly a run starts (bench/bridge-spawn.ts,
 * bench/checkout.ts). `npm run bench -- <events|page|quick-start|bridge-spawn|checkout>` runs one part.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { runDemo } from "../src/cli/run-demo.js";
import { contributingScript, startModelServer } from "../src/demo/model-server.js";
import { REPO_FILES, type Stack } from "../src/demo/start-stack.js";
import { waitFor } from "../src/demo/wait-for.js";
import { claudeCodeEnv, runClaudeCode } from "../src/sandbox/agents/claude-code.js";
import { bridgeSpawnRows, runBridgeSpawnBench } from "./bridge-spawn.js";
import { checkoutRows, runCheckoutBench } from "./checkout.js";
import { eventBenchRows, runEventBench } from "./events.js";
import { median } from "./median.js";
import { pageBenchRows, runPageBench } from "./page.js";

const N = Math.max(1, Math.min(10, Number(process.env.BENCH_RUNS ?? 3)));
/** Samples of the quick-to-start figures (bench/bridge-spawn.ts, bench/checkout.ts): cheap, so more. */
const QUICK_RUNS = Math.max(1, Math.min(30, Number(process.env.BENCH_QUICK_RUNS ?? 7)));

const ms = (x: number) => `${Math.round(x)} ms`;

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
  await mkdir(path.join(dir, "home"));
  await mkdir(path.join(dir, "tmp"));
  const model = await startModelServer(contributingScript());
  try {
    const t0 = performance.now();
    const result = await runClaudeCode(
      {
        prompt: "add a CONTRIBUTING.md that explains how to run the tests",
        cwd: repo,
        env: claudeCodeEnv({
          home: path.join(dir, "home"),
          tmpdir: path.join(dir, "tmp"),
          path: process.env.PATH ?? "/usr/bin:/bin",
          model: { baseUrl: model.url, apiKey: "bench" },
        }),
      },
      () => {},
    );
    if (!result.success) throw new Error(`agent run failed: ${result.error}`);
    return performance.now() - t0;
  } finally {
    await model.close();
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

// `npm run bench -- events`: only the event-path figures (bench/events.ts), about half a minute.
if (process.argv[2] === "events") {
  const r = await runEventBench();
  process.stdout.write(`\n${markdownTable(eventBenchRows(r))}`);
  process.exit(0);
}

// `npm run bench -- page`: only what people see (bench/page.ts): GitHub writes per session, the page.
if (process.argv[2] === "page") {
  const r = await runPageBench();
  process.stdout.write(`\n${markdownTable(pageBenchRows(r))}`);
  process.exit(0);
}

// `npm run bench -- quick-start` (or only `bridge-spawn`, or only `checkout`): how fast a run starts,
// the bridge's own start-up (tsx against the built bundle) and the checkout with the mirror cache.
if (["quick-start", "bridge-spawn", "checkout"].includes(process.argv[2] ?? "")) {
  process.stdout.write(`\n${await quickStartTables(process.argv[2]!)}`);
  process.exit(0);
}

const demos: Awaited<ReturnType<typeof runDemo>>[] = [];
const warm: { reactionMs: number; statusCommentMs: number }[] = [];
for (let i = 0; i < N; i++) {
  const r = await runDemo({ quiet: true, keep: true });
  if (!r.ok || !r.stack) throw new Error(`demo run ${i + 1} failed: ${r.reason}`);
  demos.push(r);
  try {
    warm.push(await warmFirstResponse(r.stack));
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
const rows: [string, string][] = [
  ["webhook sent → 👀 reaction, cold isolate", ms(pick("reactionMs"))],
  ["webhook sent → status comment created, cold isolate", ms(pick("statusCommentMs"))],
  ["webhook sent → 👀 reaction, warm", ms(median(warm.map((w) => w.reactionMs)))],
  ["webhook sent → status comment created, warm", ms(median(warm.map((w) => w.statusCommentMs)))],
  ["webhook sent → pull request opened", ms(pick("pullRequestMs"))],
  ["webhook sent → final status comment", ms(pick("finalCommentMs"))],
  ["demo wall time (stack start-up included)", ms(pick("wallMs"))],
  ["agent CLI alone, same script and repo", ms(agentMedian)],
  ["webhook → final comment ÷ agent alone", (pick("finalCommentMs") / agentMedian).toFixed(2)],
  ["demo wall time ÷ agent alone", (pick("wallMs") / agentMedian).toFixed(2)],
];
process.stdout.write(
  `\nMedians of ${N} runs (node ${process.version}, ${new Date().toISOString().slice(0, 10)}):\n\n`,
);
process.stdout.write("| measure | value |\n|---|---|\n");
for (const [k, v] of rows) process.stdout.write(`| ${k} | ${v} |\n`);

process.stdout.write(
  `\nEvent path of one session (bench/events.ts):\n\n${markdownTable(eventBenchRows(await runEventBench()))}`,
);

process.stdout.write(
  `\nWhat people see (bench/page.ts):\n\n${markdownTable(pageBenchRows(await runPageBench()))}`,
);

process.stdout.write(
  `\nQuick to start (bench/bridge-spawn.ts, bench/checkout.ts):\n\n${await quickStartTables("quick-start")}`,
);

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
