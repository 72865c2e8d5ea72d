/**
 * Abuse cases about credentials: planted ones (in the task, a tool's output, the final answer) and
 * the stack's own must appear nowhere the stack shows or keeps.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { type AbuseContext, settle } from "./abuse-context.js";
import { held, nonce, type Planted, tokens } from "./corpus.js";
import { botComments, finishedRun } from "./harness.js";

/** Tokens in the task, in a tool's output and in the final answer appear nowhere the stack shows or keeps. */
export async function plantedTokens(ctx: AbuseContext): Promise<void> {
  const { stack, routes, runs } = ctx;
  const planted: Planted[] = [];
  const leads = [tokens.ghp, tokens.githubPat, tokens.anthropic];
  const failures: string[] = [];
  let prs = 0;
  for (const [i, lead] of leads.entries()) {
    const n = `abuse-${nonce()}`;
    const inTask = [lead(), ...leads.filter((l) => l !== lead).map((l) => l())];
    const [echoed, titled, body1, body2, body3] = [
      tokens.ghs(),
      tokens.gho(),
      tokens.ghu(),
      tokens.githubPat(),
      tokens.anthropic(),
    ];
    const where = (t: Planted, place: string) => ({ ...t, kind: `${t.kind} ${place} (run ${i + 1})` });
    planted.push(
      ...inTask.map((t) => where(t, "in the task")),
      where(echoed!, "echoed by a Bash command"),
      where(titled!, "in the final answer's first line"),
      where(body1!, "in the final answer"),
      where(body2!, "in the final answer"),
      where(body3!, "in the final answer"),
    );
    routes.set(n, ({ turn, cwd }) => {
      if (turn === 0)
        return {
          blocks: [
            {
              type: "tool_use",
              name: "Bash",
              input: { command: `echo ${echoed!.value}`, description: "Print the token" },
            },
          ],
        };
      if (turn === 1)
        return {
          blocks: [
            {
              type: "tool_use",
              name: "Write",
              input: { file_path: `${cwd}/FETCHED-${i}.md`, content: "# Fetched\n\nx was fetched.\n" },
            },
          ],
        };
      return {
        blocks: [
          {
            type: "text",
            text: `Fetch x with ${titled!.value}\n\nUsed ${body1!.value} and ${body2!.value}; ${body3!.value} was not needed.`,
          },
        ],
      };
    });
    const issue = stack.createIssue(`Fetch x (${i + 1})`, "x lives on another server.");
    const task = `@understudy use ${inTask[0]!.value} to fetch x\nThe other keys are ${inTask[1]!.value} and ${inTask[2]!.value}. ${n}`;
    const { response } = await stack.comment(task, { issueNumber: issue });
    if (response.status >= 300) failures.push(`run ${i + 1}: answered ${response.status}`);
    try {
      runs.push(await finishedRun(stack, issue));
    } catch (error) {
      failures.push(`run ${i + 1}: ${String(error)}`);
    }
    if (stack.github.state.pulls.some((p) => p.head.startsWith(`understudy/${issue}-`))) prs++;
  }
  if (prs < leads.length) failures.push(`only ${prs} of ${leads.length} runs opened a pull request`);
  const places = await sinks(ctx);
  let letIn = 0;
  let survived = 0;
  for (const token of planted) {
    const found = whereFound(places, token.needles);
    letIn += found.length;
    if (found.length === 0) survived++;
    else failures.push(`${token.kind} found in: ${found.join(", ")}`);
  }
  settle(
    {
      name: "Tokens planted in the task, a tool's output and the final answer appear nowhere (GitHub, transcript, logs, storage, commits)",
      tried: planted.length,
      survived,
      letIn,
      notes: `${leads.length} runs, ${prs} PRs; searched: ${places.map(([n]) => n).join(", ")}${stack.persistDir ? "" : " (storage not persisted: not searched)"}`,
    },
    failures,
  );
}

/**
 * Credentials the stack holds (installation and sandbox tokens, webhook secret, model key) appear
 * nowhere, the agent's prompt included.
 */
export async function heldCredentials(ctx: AbuseContext): Promise<void> {
  const { stack, runs, specs } = ctx;
  const credentials: Planted[] = [
    ...stack.github.state.tokens.map((t) => held("GitHub installation token", t.token)),
    ...specs.map((s) => held(`sandbox token (session ${s.sessionId.slice(0, 8)} run ${s.run})`, s.token)),
    held("webhook secret", stack.webhookSecret),
    // The key startStack gives the sandbox host for the scripted model API.
    held("model API key", "test-key-offline"),
  ];
  const places = await sinks(ctx);
  places.push(["model request bodies", stack.model.requests.map((r) => JSON.stringify(r.body)).join("\n")]);
  const failures: string[] = [];
  let survived = 0;
  let letIn = 0;
  for (const c of credentials) {
    const found = whereFound(places, c.needles);
    letIn += found.length;
    if (found.length === 0) survived++;
    else failures.push(`${c.kind} found in: ${found.join(", ")}`);
  }
  settle(
    {
      name: "Credentials the stack holds (installation and sandbox tokens, webhook secret, model key) appear nowhere, the prompt included",
      tried: credentials.length,
      survived,
      letIn,
      notes: `${runs.length} sessions; searched: ${places.map(([n]) => n).join(", ")}`,
    },
    failures,
  );
}

/** Everything the stack shows or keeps, as text, to search for credentials. */
async function sinks(ctx: AbuseContext): Promise<Array<[string, string]>> {
  const { stack, runs, hostLog } = ctx;
  const { github, owner, repo } = stack;
  const out: Array<[string, string]> = [];
  out.push([
    "bot comments and their history",
    botComments(stack)
      .flatMap((c) => [c.body, ...c.history.map((h) => h.body)])
      .join("\n"),
  ]);
  out.push([
    "pull requests and their history",
    github.state.pulls
      .flatMap((p) => [p.title, p.body ?? "", ...p.history.flatMap((h) => [h.title, h.body ?? ""])])
      .join("\n"),
  ]);
  out.push(["GitHub API request bodies", github.log.map((l) => JSON.stringify(l.body ?? null)).join("\n")]);
  const pages: string[] = [];
  const events: string[] = [];
  for (const run of runs) {
    pages.push(await (await fetch(run.transcriptUrl)).text());
    events.push(await (await fetch(run.eventsUrl)).text());
  }
  out.push(["transcript pages", pages.join("\n")]);
  out.push(["transcript events JSON", events.join("\n")]);
  out.push(["sandbox host log", hostLog.join("\n")]);
  const refs = await github.git(owner, repo, "for-each-ref", "--format=%(refname)");
  const commits = await github.git(owner, repo, "log", "--all", "--format=%H%n%an <%ae>%n%cn <%ce>%n%B");
  out.push(["pushed refs and commit messages", `${refs}\n${commits}`]);
  if (stack.persistDir) out.push(["workerd storage files", await readTree(stack.persistDir)]);
  return out;
}

/** The places that hold any of `needles`, each with the text around its first hit. */
function whereFound(places: ReadonlyArray<[string, string]>, needles: readonly string[]): string[] {
  const out: string[] = [];
  for (const [name, text] of places) {
    const hits = needles.map((n) => [text.indexOf(n), n.length] as const).filter(([at]) => at >= 0);
    const first = hits.sort((a, b) => a[0] - b[0])[0];
    if (!first) continue;
    const [at, length] = first;
    // Printable context only: storage files are binary.
    const around = text.slice(Math.max(0, at - 50), at + length + 10).replace(/[^\x20-\x7e]+/g, "·");
    const file = FILE_MARK.exec(text.slice(text.lastIndexOf("\n=== file: ", at)))?.[1];
    out.push(`${name}${file ? ` ${file}` : ""} («${around}»)`);
  }
  return out;
}

const FILE_MARK = /^\n=== file: (.*)\n/;

/**
 * Every file under `dir`, each after a `=== file: <path>` line, bytes as latin1 so that ASCII
 * credentials match inside SQLite pages and WAL files.
 */
async function readTree(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    parts.push(`\n=== file: ${path.relative(dir, file)}\n${(await readFile(file)).toString("latin1")}`);
  }
  return parts.join("");
}
