/**
 * Follow-ups that continue the agent's conversation: runs of one session through runBridge with the
 * real Claude Code against the scripted model server, sharing the session's directory as the
 * sandbox host lays it out (open-session-home.ts); and two bridges of one session at once.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { bridgeSpec, bridgeWorkDir } from "../../../test/support/bridge/bridge-spec.js";
import { startFakeControlPlane } from "../../../test/support/bridge/fake-control-plane.js";
import { createGitRemote, type GitRemote } from "../../../test/support/bridge/git-remote.js";
import type { Event, SandboxSpec } from "../../core/wire.js";
import { type ModelServer, startModelServer } from "../../demo/model-server.js";
import type { Agent } from "../agents/agent.js";
import { claudeCodeEnv, runClaudeCode } from "../agents/claude-code.js";
import { agentPackageDirs } from "../isolation/agent-package-dirs.js";
import { AGENT_STATE_FILE, readAgentState } from "./agent-state.js";
import { silentLog } from "./log.js";
import { type BridgeDeps, runBridge } from "./run-bridge.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SESSION = "sess_resume_test";
const EARLIER = "\nThis session has run before on this branch";

type Stage = { root: string; remote: GitRemote; model: ModelServer; sessionDir: string };

async function stage(): Promise<Stage> {
  const root = mkdtempSync(join(tmpdir(), "understudy-resume-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const model = await startModelServer((ctx) => ({
    blocks: [{ type: "text", text: `Answer ${ctx.turn + 1}. Nothing to change.` }],
  }));
  cleanups.push(() => model.close());
  const sessionDir = join(root, "sessions", "key");
  mkdirSync(join(sessionDir, "home"), { recursive: true });
  return { root, remote: createGitRemote(root), model, sessionDir };
}

/** One run of the session, as the host starts it: a fresh sandbox directory, the session's dir. */
async function runOnce(
  s: Stage,
  run: number,
  request: string,
  extra: Partial<BridgeDeps> = {},
): Promise<{ events: Event[]; spec: SandboxSpec; success: boolean }> {
  const cp = await startFakeControlPlane({ sessionId: SESSION });
  cleanups.push(() => cp.close());
  const spec = bridgeSpec(cp, s.remote.url, {
    run,
    prompt: run > 1 ? `${request}${EARLIER}; earlier runs, oldest first: run 1 wrote nothing.` : request,
    ...(run > 1 ? { request } : {}),
    timeLimitMs: 120_000,
  });
  const result = await runBridge(spec, {
    agent: runClaudeCode,
    agentEnv: (base) => claudeCodeEnv({ ...base, maxRetries: 0 }),
    workDir: bridgeWorkDir(s.root),
    sessionDir: s.sessionDir,
    modelEnv: { baseUrl: s.model.url, apiKey: "test-key" },
    stream: { backoffInitialMs: 10, backoffMaxMs: 50 },
    ...extra,
  });
  expect(result.exitCode).toBe(0);
  return { events: cp.events(), spec, success: result.success };
}

/** Every text block of the user messages of the model request, in order. */
function userTexts(body: unknown): string[] {
  const messages = (body as { messages: { role: string; content: unknown }[] }).messages;
  return messages
    .filter((m) => m.role === "user")
    .flatMap((m) =>
      typeof m.content === "string"
        ? [m.content]
        : (m.content as { type: string; text?: string }[]).flatMap((b) =>
            b.type === "text" ? [b.text ?? ""] : [],
          ),
    );
}

const userMessages = (events: Event[]) => events.flatMap((e) => (e.type === "user_message" ? [e.data] : []));

it("continues the agent's conversation in the next run, and starts fresh with the summaries once the session's home is gone", async () => {
  const s = await stage();

  const first = await runOnce(s, 1, "Look at the readme FIRST-REQUEST");
  expect(first.success).toBe(true);
  const state = readAgentState(s.sessionDir);
  expect(state).toMatchObject({ agent: "claude-code", run: 1 });

  const before = s.model.requests.length;
  const second = await runOnce(s, 2, "Now the license SECOND-REQUEST");
  expect(second.success).toBe(true);
  // The model was asked with run 1's conversation, and the new request alone.
  const asked = s.model.requests.slice(before);
  expect(asked.length).toBeGreaterThan(0);
  const texts = userTexts(asked[0]!.body).join("\n");
  expect(texts).toContain("FIRST-REQUEST");
  expect(texts).toContain("SECOND-REQUEST");
  expect(texts).not.toContain(EARLIER.trim());
  expect(asked[0]!.turn).toBe(1); // run 1's answer is in it
  expect(userMessages(second.events)).toEqual([{ text: "Now the license SECOND-REQUEST", continuesRun: 1 }]);
  // Same conversation, now recorded as run 2's.
  expect(readAgentState(s.sessionDir)).toEqual({ ...state, run: 2 });

  // A sandbox on another host, or after pruning: no session directory, a new conversation.
  rmSync(s.sessionDir, { recursive: true, force: true });
  const at = s.model.requests.length;
  const third = await runOnce(s, 3, "And the changelog THIRD-REQUEST");
  expect(third.success).toBe(true);
  const fresh = userTexts(s.model.requests[at]!.body).join("\n");
  expect(fresh).not.toContain("FIRST-REQUEST");
  expect(fresh).toContain("THIRD-REQUEST");
  expect(fresh).toContain(EARLIER.trim());
  expect(userMessages(third.events)).toEqual([{ text: third.spec.prompt }]);
}, 120_000);

it("continues the conversation under bubblewrap, the session's home being the agent's HOME there", async () => {
  const s = await stage();
  const bwrap: Partial<BridgeDeps> = { isolation: "bubblewrap", agentReadOnly: agentPackageDirs() };
  expect((await runOnce(s, 1, "Look at the readme FIRST-REQUEST", bwrap)).success).toBe(true);
  const before = s.model.requests.length;
  const second = await runOnce(s, 2, "Now the license SECOND-REQUEST", bwrap);
  expect(second.success).toBe(true);
  const texts = userTexts(s.model.requests[before]!.body).join("\n");
  expect(texts).toContain("FIRST-REQUEST");
  expect(texts).not.toContain(EARLIER.trim());
  expect(userMessages(second.events)[0]).toMatchObject({ continuesRun: 1 });
  expect(second.events.find((e) => e.type === "isolation")?.data).toMatchObject({ mode: "bubblewrap" });
}, 120_000);

it("starts a new conversation with the whole prompt when the one remembered cannot be continued", async () => {
  const s = await stage();
  expect((await runOnce(s, 1, "Look at the readme FIRST-REQUEST")).success).toBe(true);
  const { conversationId } = readAgentState(s.sessionDir)!;
  // Its file is there (so the bridge tries) but says nothing Claude Code can continue.
  const projects = join(s.sessionDir, "home", ".claude", "projects");
  rmSync(projects, { recursive: true, force: true });
  mkdirSync(join(projects, "elsewhere"), { recursive: true });
  writeFileSync(join(projects, "elsewhere", `${conversationId}.jsonl`), "");

  const before = s.model.requests.length;
  const second = await runOnce(s, 2, "Now the license SECOND-REQUEST");
  expect(second.success).toBe(true);
  const texts = userTexts(s.model.requests[before]!.body).join("\n");
  expect(texts).not.toContain("FIRST-REQUEST");
  expect(texts).toContain(EARLIER.trim());
  // The transcript shows the attempt and the prompt the agent then got; the failed attempt's own
  // output (a zero-token step) is not in it.
  expect(userMessages(second.events)).toEqual([
    { text: "Now the license SECOND-REQUEST", continuesRun: 1 },
    { text: second.spec.prompt },
  ]);
  expect(second.events.filter((e) => e.type === "step_finish")).toHaveLength(1);
  expect(readAgentState(s.sessionDir)?.conversationId).not.toBe(conversationId);
}, 120_000);

it("lets one of two bridges of a session at once have the session's home: the other runs on its own", async () => {
  const s = await stage();
  mkdirSync(join(s.sessionDir, "home", ".claude", "projects", "p"), { recursive: true });
  const earlier = "0b6a8f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
  writeFileSync(join(s.sessionDir, "home", ".claude", "projects", "p", `${earlier}.jsonl`), "{}\n");
  writeFileSync(
    join(s.sessionDir, AGENT_STATE_FILE),
    JSON.stringify({ agent: "claude-code", conversationId: earlier, run: 1 }),
  );
  const seen: { home: string; resume?: string }[] = [];
  let bothStarted!: () => void;
  const started = new Promise<void>((r) => {
    bothStarted = r;
  });
  // Each agent waits until both have started, so the two runs overlap for sure.
  const agent: Agent = async (opts) => {
    seen.push({ home: opts.env.HOME ?? "", ...(opts.resume ? { resume: opts.resume } : {}) });
    if (seen.length === 2) bothStarted();
    await started;
    return {
      success: true,
      summary: "Done",
      durationMs: 1,
      exitCode: 0,
      conversationId: opts.resume ?? "11111111-2222-4333-8444-555555555555",
    };
  };
  const warnings: string[] = [];
  const extra: Partial<BridgeDeps> = {
    agent,
    agentEnv: (base) => ({ HOME: base.home }),
    sessionLockWaitMs: 300,
    log: { ...silentLog, warn: (m) => warnings.push(m) },
  };
  const [a, b] = await Promise.all([runOnce(s, 2, "One", extra), runOnce(s, 2, "Two", extra)]);
  expect(a.success && b.success).toBe(true);
  const shared = join(s.sessionDir, "home");
  expect(seen.filter((x) => x.home === shared)).toEqual([{ home: shared, resume: earlier }]);
  expect(seen.filter((x) => x.home !== shared)).toHaveLength(1);
  expect(existsSync(seen.find((x) => x.home !== shared)!.home)).toBe(true);
  expect(warnings.some((w) => w.includes("the session's home is not free"))).toBe(true);
  // Only the run that had the home recorded its conversation.
  expect(JSON.parse(readFileSync(join(s.sessionDir, AGENT_STATE_FILE), "utf8"))).toEqual({
    agent: "claude-code",
    conversationId: earlier,
    run: 2,
  });
  expect(userMessages([...a.events, ...b.events]).filter((m) => m.continuesRun === 1)).toHaveLength(1);
});
