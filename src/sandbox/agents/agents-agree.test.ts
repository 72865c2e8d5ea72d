/**
 * The same scripted task run by the real Claude Code and the real Codex, each against its own
 * stand-in model API, must read the same on the wire: renderers switch on agent-neutral events only,
 * so what one agent's run shows, the other's must show alike.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { EventInput } from "../../core/wire.js";
import { type ModelScript, startModelServer } from "../../demo/model-server.js";
import { addFilePatch, type ResponsesScript, startResponsesServer } from "../../demo/responses-server.js";
import type { Agent, AgentResult } from "./agent.js";
import { claudeCodeEnv, runClaudeCode } from "./claude-code.js";
import { codexEnv, runCodex } from "./codex.js";

const NOTES = "# Notes\n\nBoth agents wrote this line.\n";
const PROMPT = "Write NOTES.md and show it";

/** The task in Claude Code's tools: Write (absolute path), Bash, then the answer. */
const claudeScript: ModelScript = ({ turn, cwd }) => {
  switch (turn) {
    case 0:
      return {
        blocks: [
          { type: "tool_use", name: "Write", input: { file_path: `${cwd}/NOTES.md`, content: NOTES } },
        ],
      };
    case 1:
      return { blocks: [{ type: "tool_use", name: "Bash", input: { command: "cat NOTES.md" } }] };
    default:
      return { blocks: [{ type: "text", text: "Done." }] };
  }
};

/** The same task in Codex's tools: apply_patch, exec_command, then the answer. */
const codexScript: ResponsesScript = ({ turn }) => {
  switch (turn) {
    case 0:
      return { items: [{ type: "apply_patch", patch: addFilePatch("NOTES.md", NOTES) }] };
    case 1:
      return { items: [{ type: "exec_command", cmd: "cat NOTES.md" }] };
    default:
      return { items: [{ type: "text", text: "Done." }] };
  }
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A temp git repository with one commit, and a HOME and TMPDIR of the run's own. */
function sandbox(name: string) {
  const root = mkdtempSync(join(tmpdir(), `understudy-agree-${name}-`));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const repo = join(root, "repo");
  for (const dir of [repo, join(root, "home"), join(root, "tmp")]) mkdirSync(dir);
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], {
      cwd: repo,
      stdio: "ignore",
    });
  git("init", "-q", "-b", "main");
  git("commit", "-q", "--allow-empty", "-m", "Initial commit");
  const base = {
    home: join(root, "home"),
    tmpdir: join(root, "tmp"),
    path: process.env.PATH ?? "/usr/bin:/bin",
  };
  return { repo, base };
}

type Outcome = { events: EventInput[]; result: AgentResult; written: string };

async function runAgent(agent: Agent, repo: string, env: Record<string, string>): Promise<Outcome> {
  const events: EventInput[] = [];
  const result = await agent({ prompt: PROMPT, cwd: repo, env }, (e) => events.push(e));
  return { events, result, written: readFileSync(join(repo, "NOTES.md"), "utf8") };
}

async function runClaude(): Promise<Outcome> {
  const { repo, base } = sandbox("claude");
  const server = await startModelServer(claudeScript);
  cleanups.push(() => server.close());
  const env = claudeCodeEnv({ ...base, model: { baseUrl: server.url, apiKey: "test-key" }, maxRetries: 0 });
  const outcome = await runAgent(runClaudeCode, repo, env);
  expect(server.unexpected).toEqual([]);
  return outcome;
}

async function runCodexTask(): Promise<Outcome> {
  const { repo, base } = sandbox("codex");
  const server = await startResponsesServer(codexScript);
  cleanups.push(() => server.close());
  const env = codexEnv({ ...base, model: { baseUrl: server.url, apiKey: "test-key" }, maxRetries: 0 });
  const outcome = await runAgent(runCodex, repo, env);
  expect(server.unexpected).toEqual([]);
  return outcome;
}

/**
 * What a reader is shown, and what both agents can report. Left out, because the agents genuinely
 * differ there:
 * - call ids (each agent's own), tool names (shown only for kind `other`), and `input`;
 * - a write's `content` and an edit's `edits`: Claude Code's Write carries the text, Codex's
 *   file_change only the path (its `--json` stream has no diff);
 * - the text of a tool result other than the file's: Claude Code says "File created successfully
 *   at: …", Codex "Added NOTES.md", and only Codex keeps a command's trailing newline;
 * - token counts (each server counts its own request bodies) and cost: Codex reports none (0);
 * - durations and exit codes of the process.
 */
function projection(events: EventInput[]) {
  return events.map((e) => {
    switch (e.type) {
      case "tool_call":
        return { type: e.type, kind: e.data.kind, path: e.data.path, command: e.data.command };
      case "tool_result":
        return { type: e.type, isError: e.data.isError, showsNotes: e.data.output.includes(NOTES.trim()) };
      case "assistant_text":
        return { type: e.type, text: e.data.text };
      case "step_finish":
        return { type: e.type };
      default:
        return { type: e.type, data: e.data };
    }
  });
}

describe("Claude Code and Codex agree on the wire", () => {
  it("report the same task with the same agent-neutral events and outcome", async () => {
    // One after the other: each CLI is heavy on a 2-core machine.
    const claude = await runClaude();
    const codex = await runCodexTask();

    expect(claude.written).toBe(NOTES);
    expect(codex.written).toBe(NOTES);
    const expected = [
      { type: "tool_call", kind: "write", path: "NOTES.md", command: undefined },
      { type: "tool_result", isError: false, showsNotes: false },
      { type: "tool_call", kind: "shell", path: undefined, command: "cat NOTES.md" },
      { type: "tool_result", isError: false, showsNotes: true },
      { type: "assistant_text", text: "Done." },
      { type: "step_finish" },
    ];
    expect(projection(claude.events)).toEqual(expected);
    expect(projection(codex.events)).toEqual(expected);

    const outcome = (r: AgentResult) => ({ success: r.success, summary: r.summary, error: r.error });
    expect(outcome(codex.result)).toEqual(outcome(claude.result));
    expect(outcome(codex.result)).toEqual({ success: true, summary: "Done.", error: undefined });
  });
});
