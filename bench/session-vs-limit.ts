/**
 * `npm run bench -- session`: one whole session against its physical limit, side by side in one run.
 *
 * The session: a signed webhook on a repository of a few thousand files, the real control plane, the
 * sandbox host, the bridge, Claude Code in bubblewrap making `toolCalls` tool calls against the
 * scripted model server, the push and the pull request; timed from the webhook to the final status
 * comment at the GitHub stand-in. The limit: what no bot can skip, on the same machine with the same
 * servers: `git clone` of the same repository over the same git HTTP server, then the same agent CLI
 * on the same script in that clone, with nothing around it. The ratio is the bot's overhead.
 *
 * Each sample starts a fresh stack (cold isolate, empty mirror cache) and times the first session;
 * then a second issue on the same stack (warm isolate and mirror) is timed too. Where the time goes
 * is read from the stand-in's request log (the stages below).
 *
 * Both sides write their files on a tmpfs (`/dev/shm`, or BENCH_TMPDIR; `BENCH_TMPDIR=` keeps the
 * system's temporary directory): on this machine's ext4 the same 2,000-file checkout took 0.05 s or
 * 1.5 s of kernel time depending on where the allocator landed after recent deletions, noise larger
 * than the whole overhead being measured. The checkout's own cost is measured on disk by
 * bench/checkout.ts.
 */
import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ModelScript } from "../src/demo/model-server.js";
import { type Stack, startStack } from "../src/demo/start-stack.js";
import { waitFor } from "../src/demo/wait-for.js";
import { runAgentAlone } from "./agent-alone.js";
import { median } from "./median.js";

export type SessionSample = {
  /** Webhook sent → final status comment, first session of a fresh stack. */
  coldMs: number;
  /** The same on a second issue of the same stack. */
  warmMs: number;
  /** git clone of the same repository over the same server + the agent alone on the same script. */
  limitMs: number;
  cloneMs: number;
  agentMs: number;
  /** Stages of the cold session, from the stand-in's log: ms after the webhook was sent. */
  stages: Record<string, number>;
};

export type SessionBenchResult = {
  toolCalls: number;
  files: number;
  samples: SessionSample[];
  /** Where both sides wrote their files. */
  tmpdir: string;
};

/** A repository of `count` small source files in 40 directories, plus the demo's package.json. */
export function benchRepoFiles(count: number): Record<string, string> {
  const files: Record<string, string> = {
    "README.md": "# hello-world\n\nA library with many modules.\n",
    "package.json": `${JSON.stringify({ name: "hello-world", version: "1.0.0", scripts: { test: "node --test" } })}\n`,
  };
  for (let i = 0; i < count; i++) {
    const body = Array.from({ length: 40 }, (_, l) => `export const value${l} = ${i * 40 + l}; // line ${l}`);
    files[`src/pkg-${i % 40}/module-${i}.js`] = `${body.join("\n")}\n`;
  }
  return files;
}

/**
 * `toolCalls` tool calls: shell reads over the repository, then the CONTRIBUTING.md write, then a
 * summary whose first line is the PR's title.
 */
export function manyToolsScript(toolCalls: number): ModelScript {
  return ({ turn, cwd }) => {
    if (turn < toolCalls - 1)
      return {
        blocks: [
          {
            type: "tool_use",
            name: "Bash",
            input: {
              command: `wc -l src/pkg-${turn % 40}/module-${turn}.js`,
              description: `Read module ${turn}`,
            },
          },
        ],
      };
    if (turn === toolCalls - 1)
      return {
        blocks: [
          {
            type: "tool_use",
            name: "Write",
            input: { file_path: `${cwd}/CONTRIBUTING.md`, content: "# Contributing\n\nRun `npm test`.\n" },
          },
        ],
      };
    return { blocks: [{ type: "text", text: "Add CONTRIBUTING.md\n\nExplains how to run the tests." }] };
  };
}

const finalHeader = /^### (✅|❌)/mu;

/** One session on `stack`: comment on a new issue (or the stack's own), wait for the final comment. */
async function timeSession(stack: Stack, issueNumber?: number): Promise<{ ms: number; sentAt: number }> {
  const { github } = stack;
  const on = issueNumber ?? stack.issueNumber;
  const sent = await stack.comment("@understudy add a CONTRIBUTING.md that explains how to run the tests", {
    issueNumber: on,
  });
  const final = await waitFor(
    "the final status comment",
    () =>
      github.state.comments.find(
        (c) => c.issueNumber === on && c.user === github.app.botLogin && finalHeader.test(c.body),
      ),
    600_000,
  );
  if (!final.body.includes("✅")) throw new Error(`the session failed:\n${final.body}`);
  return { ms: final.updatedAt - sent.receivedAt, sentAt: sent.receivedAt };
}

/** When each stage was reached, from the stand-in's request log: each the first match after the one before. */
function stagesOf(stack: Stack, from: number): Record<string, number> {
  const log = stack.github.log.filter((e) => e.at >= from).sort((a, b) => a.at - b.at);
  type Entry = (typeof log)[number];
  const stages: [string, (e: Entry) => boolean][] = [
    ["first GitHub request (isolate and session started)", () => true],
    ["👀 reaction", (e) => e.method === "POST" && e.path.endsWith("/reactions")],
    ["status comment created", (e) => e.method === "POST" && /\/issues\/\d+\/comments$/.test(e.path)],
    ["bridge asks for its clone token", (e) => e.method === "POST" && e.path.endsWith("/access_tokens")],
    ["clone (first upload-pack)", (e) => e.path.endsWith("/git-upload-pack")],
    ["agent done: push token", (e) => e.method === "POST" && e.path.endsWith("/access_tokens")],
    ["push (receive-pack)", (e) => e.path.endsWith("/git-receive-pack")],
    ["pull request opened", (e) => e.method === "POST" && e.path.endsWith("/pulls")],
  ];
  const out: Record<string, number> = {};
  let i = 0;
  for (const [name, match] of stages) {
    while (i < log.length && !match(log[i]!)) i++;
    if (i >= log.length) break;
    out[name] = Math.round(log[i]!.at - from);
    i++;
  }
  const last = log.filter((e) => e.method === "PATCH" && e.path.includes("/issues/comments/")).at(-1);
  if (last) out["final status comment"] = Math.round(last.at - from);
  return out;
}

/** The limit: clone the same repository over the same server, then the same agent on the same script. */
async function limit(stack: Stack, script: ModelScript): Promise<{ cloneMs: number; agentMs: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), "understudy-bench-limit-"));
  const installation = stack.github.state.installations[0];
  if (!installation) throw new Error("the stand-in has no installation");
  const { token } = stack.github.createInstallationToken(installation.id);
  const url = new URL(`${stack.github.url}/${stack.owner}/${stack.repo}.git`);
  url.username = "x-access-token";
  url.password = token;
  try {
    const repo = path.join(dir, "repo");
    const t0 = performance.now();
    // Not execFileSync: the git server is this process's own stand-in, which must go on answering.
    await new Promise<void>((resolve, reject) =>
      execFile("git", ["clone", "-q", url.toString(), repo], (error) => (error ? reject(error) : resolve())),
    );
    const cloneMs = performance.now() - t0;
    return { cloneMs, agentMs: await runAgentAlone(repo, dir, script) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Where both sides write their files: a tmpfs where there is one (see above), else undefined. */
function benchTmpdir(): string | undefined {
  const wanted = process.env.BENCH_TMPDIR ?? "/dev/shm";
  if (wanted === "") return undefined;
  try {
    accessSync(wanted, constants.W_OK);
    return wanted;
  } catch {
    return undefined;
  }
}

export async function runSessionBench(opts: {
  runs: number;
  toolCalls: number;
  files: number;
  log?: (line: string) => void;
}): Promise<SessionBenchResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  // A run's default budget is 150 turns and $10 (the scripted model reports real-looking usage): a
  // longer script needs the repository to allow more.
  const repoFiles = {
    ...benchRepoFiles(opts.files),
    ...(opts.toolCalls > 100 ? { ".github/understudy.yml": "max_turns: 10000\nmax_cost_usd: 1000\n" } : {}),
  };
  // os.tmpdir() reads TMPDIR on each call: the stack's sandboxes and mirrors, and the limit's clone.
  const tmp = benchTmpdir();
  const saved = process.env.TMPDIR;
  if (tmp) process.env.TMPDIR = tmp;
  let samples: SessionSample[];
  try {
    samples = await sessionSamples(opts, repoFiles, log);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  return { toolCalls: opts.toolCalls, files: opts.files, samples, tmpdir: tmp ?? tmpdir() };
}

async function sessionSamples(
  opts: { runs: number; toolCalls: number },
  repoFiles: Record<string, string>,
  log: (line: string) => void,
): Promise<SessionSample[]> {
  const samples: SessionSample[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const script = manyToolsScript(opts.toolCalls);
    // Production's comment interval.
    const stack = await startStack({ script, repoFiles, commentIntervalMs: 3_000 });
    try {
      const cold = await timeSession(stack);
      const stages = stagesOf(stack, cold.sentAt);
      const second = stack.createIssue("Another request");
      const warm = await timeSession(stack, second);
      const { cloneMs, agentMs } = await limit(stack, script);
      samples.push({
        coldMs: cold.ms,
        warmMs: warm.ms,
        limitMs: cloneMs + agentMs,
        cloneMs,
        agentMs,
        stages,
      });
      log(
        `session ${opts.toolCalls} tool calls ${i + 1}/${opts.runs}: cold ${Math.round(cold.ms)} ms, warm ${Math.round(warm.ms)} ms, limit ${Math.round(cloneMs + agentMs)} ms`,
      );
    } finally {
      await stack.close();
    }
  }
  return samples;
}

const ms = (x: number) => `${Math.round(x)} ms`;
const spread = (xs: number[]) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;

export function sessionBenchRows(r: SessionBenchResult): [string, string][] {
  const pick = (k: "coldMs" | "warmMs" | "limitMs" | "cloneMs" | "agentMs") => r.samples.map((s) => s[k]);
  const ratio = (k: "coldMs" | "warmMs") => r.samples.map((s) => s[k] / s.limitMs);
  const rows: [string, string][] = [
    [
      `session, ${r.toolCalls} tool calls, ${r.files} files, fresh stack (webhook → final comment)`,
      `${ms(median(pick("coldMs")))} (${spread(pick("coldMs"))})`,
    ],
    ["the same, second issue on the same stack", `${ms(median(pick("warmMs")))} (${spread(pick("warmMs"))})`],
    [
      "limit: git clone + the same agent CLI alone",
      `${ms(median(pick("limitMs")))} (${spread(pick("limitMs"))})`,
    ],
    ["… of which git clone", ms(median(pick("cloneMs")))],
    ["… of which the agent", ms(median(pick("agentMs")))],
    ["files of both sides written under", `\`${r.tmpdir}\``],
    [
      "**session ÷ limit, fresh stack**",
      `**${median(ratio("coldMs")).toFixed(2)}** (${Math.min(...ratio("coldMs")).toFixed(2)}–${Math.max(...ratio("coldMs")).toFixed(2)})`,
    ],
    [
      "**session ÷ limit, second issue**",
      `**${median(ratio("warmMs")).toFixed(2)}** (${Math.min(...ratio("warmMs")).toFixed(2)}–${Math.max(...ratio("warmMs")).toFixed(2)})`,
    ],
  ];
  const names = Object.keys(r.samples[0]?.stages ?? {});
  for (const name of names)
    rows.push([
      `stage (fresh stack): ${name}`,
      ms(median(r.samples.map((s) => s.stages[name] ?? Number.NaN))),
    ]);
  return rows;
}
