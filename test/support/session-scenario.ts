/**
 * A realistic session for renderer tests, shaped like test/fixtures/claude-code-2.1.330.write-bash
 * once the Claude Code adapter has mapped it to agent-neutral wire events: the agent writes
 * HELLO.md, checks `git status`, answers, and the bridge pushes and opens a pull request.
 * `upTo(n)` gives the log as it stood after n events, so one script serves every point in time;
 * `stored(...)` files events under a run number the way the session's store does.
 */
import type { SessionEvent } from "../../src/core/session-event.js";
import type { SessionView } from "../../src/core/session-view.js";
import type { Event, EventInput } from "../../src/core/wire.js";

export const T0 = Date.parse("2026-11-24T02:14:00.000Z");

/** ISO time `seconds` after the run started. */
export const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

export function baseView(overrides: Partial<SessionView> = {}): SessionView {
  return {
    id: "ses_01JD8Z4K7Q",
    repo: { owner: "acme", name: "widgets" },
    issueNumber: 12,
    issueTitle: "Add a greeting file",
    isPullRequest: false,
    requester: "octocat",
    task: "Create `HELLO.md` with a short greeting, then check `git status`.",
    status: "running",
    run: 1,
    createdAt: at(-2),
    runStartedAt: at(0),
    finishedAt: null,
    branch: "understudy/12-add-a-greeting-file",
    baseBranch: "main",
    branchUrl: null,
    pr: null,
    transcriptUrl: "https://understudy.example.com/sessions/ses_01JD8Z4K7Q?sig=abc123",
    summary: null,
    error: null,
    queue: [],
    stoppedBy: null,
    queueCleared: 0,
    agent: "claude-code",
    model: null,
    budget: null,
    ...overrides,
  };
}

/** [seconds after start, event] in the order the sandbox emitted them. */
const SCRIPT: ReadonlyArray<readonly [number, EventInput]> = [
  [0, { type: "session_status", data: { status: "provisioning" } }],
  [1, { type: "sandbox_status", data: { status: "cloning" } }],
  [
    4,
    {
      type: "git_sync",
      data: {
        branch: "understudy/12-add-a-greeting-file",
        base: "main",
        headSha: "9f3c2e1a7b",
        created: true,
      },
    },
  ],
  [5, { type: "session_status", data: { status: "running" } }],
  [
    5,
    {
      type: "user_message",
      data: { text: "Create `HELLO.md` with a short greeting, then check `git status`.", author: "octocat" },
    },
  ],
  [20, { type: "assistant_text", data: { text: "I will create HELLO.md." } }],
  [
    21,
    {
      type: "tool_call",
      data: {
        callId: "toolu_01",
        kind: "write",
        name: "Write",
        path: "HELLO.md",
        content: "# Hello\n\nWritten by the scripted stand-in model.\n",
        status: "running",
      },
    },
  ],
  [
    22,
    {
      type: "tool_result",
      data: {
        callId: "toolu_01",
        output: "File created successfully at: /workspace/repo/HELLO.md",
        isError: false,
      },
    },
  ],
  [23, { type: "step_finish", data: { tokens: { input: 1200, output: 85 }, costUsd: 0.0123 } }],
  [
    30,
    {
      type: "tool_call",
      data: {
        callId: "toolu_02",
        kind: "shell",
        name: "Bash",
        command: "git status --short",
        description: "Show changed files",
        input: { command: "git status --short", description: "Show changed files" },
        status: "running",
      },
    },
  ],
  [31, { type: "tool_result", data: { callId: "toolu_02", output: "?? HELLO.md", isError: false } }],
  [32, { type: "heartbeat", data: {} }],
  [
    40,
    {
      type: "assistant_text",
      data: { text: "Done: created `HELLO.md` with a greeting. `git status` shows it as the only new file." },
    },
  ],
  [41, { type: "step_finish", data: { tokens: { input: 1500, output: 120 }, costUsd: 0.0211 } }],
  [
    42,
    {
      type: "execution_complete",
      data: {
        success: true,
        summary: "Created `HELLO.md` with a short greeting. `git status` shows it as the only new file.",
      },
    },
  ],
  [43, { type: "session_status", data: { status: "finishing" } }],
  [44, { type: "sandbox_status", data: { status: "pushing" } }],
  [
    50,
    {
      type: "push_complete",
      data: { branch: "understudy/12-add-a-greeting-file", sha: "4b1d0c9e22", commitsAhead: 1, pushed: true },
    },
  ],
  [
    51,
    {
      type: "artifact",
      data: { kind: "branch", url: "https://github.com/acme/widgets/tree/understudy/12-add-a-greeting-file" },
    },
  ],
  [
    52,
    { type: "artifact", data: { kind: "pr", url: "https://github.com/acme/widgets/pull/13", number: 13 } },
  ],
  [53, { type: "session_status", data: { status: "completed" } }],
];

/** Index into SCRIPT just after the event of that name, for readable `upTo(...)` calls. */
export const AFTER = {
  cloning: 2,
  firstThought: 6,
  writing: 7,
  bashRunning: 10,
  bashDone: 11,
  agentDone: 15,
  pushed: 18,
  all: SCRIPT.length,
} as const;

export function events(): Event[] {
  return SCRIPT.map(([s, e], i) => ({ seq: i + 1, at: at(s), ...e }) as Event);
}

export function upTo(n: number): Event[] {
  return events().slice(0, n);
}

export const BRANCH_URL = "https://github.com/acme/widgets/tree/understudy/12-add-a-greeting-file";
export const PR = { number: 13, url: "https://github.com/acme/widgets/pull/13" };

/** Events as the store keeps them: each with its run and an id that grows across the whole log. */
export function stored(
  ...runs: ReadonlyArray<readonly [run: number, events: readonly Event[]]>
): SessionEvent[] {
  let id = 0;
  return runs.flatMap(([run, list]) => list.map((event) => ({ id: ++id, run, event })));
}
