import { Marked, type Token } from "marked";
import { describe, expect, it } from "vitest";
import { AFTER, at, BRANCH_URL, baseView, events, PR, upTo } from "../../test/support/session-scenario.js";
import { formatDuration } from "./format-duration.js";
import { renderStatusComment } from "./render-status-comment.js";
import type { SessionView } from "./session-view.js";
import type { Event, EventPayload, EventType, ToolCall } from "./wire.js";

/** Raw HTML as a GFM parser sees it (block and inline), to prove user text cannot inject any. */
function rawHtml(md: string): string[] {
  const found: string[] = [];
  walkTokens(new Marked({ gfm: true }).lexer(md), (t) => {
    if (t.type === "html") found.push(t.raw.trim());
  });
  return found;
}

function walkTokens(tokens: readonly Token[], visit: (t: Token) => void): void {
  for (const t of tokens) {
    visit(t);
    if ("tokens" in t && Array.isArray(t.tokens)) walkTokens(t.tokens, visit);
    if (t.type === "list") for (const item of t.items) walkTokens(item.tokens, visit);
  }
}

const nowAt = (seconds: number) => new Date(at(seconds));

/** An event `seconds` after the run started (its seq is the same number: order is what counts). */
function ev<T extends EventType>(seconds: number, type: T, data: EventPayload<T>): Event {
  return { seq: seconds, at: at(seconds), type, data } as Event;
}

/** A tool call with id `c<seconds>`, and its result. */
const call = (seconds: number, fields: Omit<ToolCall, "callId" | "status">): Event =>
  ev(seconds, "tool_call", { callId: `c${seconds}`, status: "running", ...fields });
const result = (seconds: number, output = "ok", isError = false): Event =>
  ev(seconds, "tool_result", { callId: `c${seconds}`, output, isError });

const BRANCH = "understudy/12-add-a-greeting-file";
const usage = (seconds: number, input: number, output: number, costUsd: number): Event =>
  ev(seconds, "step_finish", { tokens: { input, output }, costUsd });

/**
 * A run that fixes a bug the way agents do: reads around, edits one file twice, runs the tests
 * (which fail), fixes the test, runs them again, and is reading two more files as the comment renders.
 */
function fixRun(): Event[] {
  return [
    ev(0, "session_status", { status: "running" }),
    ev(1, "user_message", { text: "Fix the time zone bug in `parseDate`.", author: "octocat" }),
    call(10, { kind: "read", name: "Read", path: "src/date.ts" }),
    result(10),
    call(11, { kind: "read", name: "Read", path: "src/date.test.ts" }),
    result(11),
    call(12, { kind: "read", name: "Read", path: "src/format.ts" }),
    result(12),
    call(13, { kind: "read", name: "Read", path: "package.json" }),
    result(13),
    ev(14, "assistant_text", { text: "The parser drops the offset; fixing `parseDate`." }),
    usage(15, 4_000, 300, 0.021),
    call(20, { kind: "edit", name: "Edit", path: "src/date.ts", added: 3, removed: 1 }),
    result(20),
    call(21, { kind: "edit", name: "Edit", path: "src/date.ts", added: 9, removed: 2 }),
    result(21),
    call(22, { kind: "shell", name: "Bash", command: "npm test" }),
    result(22, "Exit code 1\n FAIL  src/date.test.ts > parses offsets", true),
    call(23, { kind: "edit", name: "Edit", path: "src/date.test.ts", added: 4, removed: 0 }),
    result(23),
    call(24, { kind: "shell", name: "Bash", command: "npm test", description: "Run the tests again" }),
    result(24, "Tests  12 passed (12)"),
    usage(25, 6_000, 500, 0.034),
    ev(26, "assistant_text", { text: "Tests pass. Checking the callers of `parseDate`." }),
    call(30, { kind: "read", name: "Read", path: "src/a.ts" }),
    result(30),
    call(31, { kind: "read", name: "Read", path: "src/b.ts" }),
  ];
}

describe("formatDuration", () => {
  it("reads like a stopwatch", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(42_900)).toBe("42s");
    expect(formatDuration(65_000)).toBe("1m 05s");
    expect(formatDuration(59 * 60_000 + 59_999)).toBe("59m 59s");
    expect(formatDuration(2 * 3_600_000 + 3 * 60_000 + 9_000)).toBe("2h 03m");
  });

  it("never shows a negative or NaN time (clock skew between sandbox and control plane)", () => {
    expect(formatDuration(-5_000)).toBe("0s");
    expect(formatDuration(Number.NaN)).toBe("0s");
  });
});

/** The events of a run that ended: the agent's last words, a push report, and the terminal status. */
function ended(
  before: readonly Event[],
  push: EventPayload<"push_complete"> | EventPayload<"push_error"> | null,
  status: "completed" | "failed" | "cancelled",
  agent: EventPayload<"execution_complete"> | null = null,
): Event[] {
  const list = [...before];
  if (agent) list.push(ev(300, "execution_complete", agent));
  if (push && "sha" in push) list.push(ev(305, "push_complete", push));
  if (push && !("sha" in push)) list.push(ev(305, "push_error", push));
  list.push(ev(306, "session_status", { status }));
  return list;
}

/** Every state the comment can be in, as a reader sees it: name, view, the run's events, render time. */
const STATES: ReadonlyArray<readonly [string, SessionView, readonly Event[], Date]> = [
  ["queued", baseView({ status: "queued" }), [], nowAt(2)],
  ["provisioning, no sandbox yet", baseView({ status: "provisioning" }), upTo(1), nowAt(1)],
  ...(["starting", "cloning", "ready", "running_agent"] as const).map(
    (phase) =>
      [
        `provisioning, sandbox ${phase}`,
        baseView({ status: "provisioning" }),
        [...upTo(1), ev(2, "sandbox_status", { status: phase })],
        nowAt(3),
      ] as const,
  ),
  ["running, no steps yet", baseView(), upTo(5), nowAt(8)],
  [
    "running unisolated, a host blocked",
    baseView(),
    [
      ...upTo(AFTER.bashDone),
      ev(3, "isolation", { mode: "none", allowedHosts: [] }),
      ev(31, "network_blocked", { host: "registry.npmjs.org", port: 443 }),
    ],
    nowAt(35),
  ],
  ["running, steps and a thought", baseView(), upTo(AFTER.bashDone), nowAt(35)],
  ["running, a step in progress", baseView(), upTo(AFTER.bashRunning), nowAt(30)],
  [
    "running, grouped steps and a failed command",
    baseView({ task: "Fix the time zone bug in `parseDate`." }),
    fixRun(),
    nowAt(95),
  ],
  ["stopping", baseView({ stoppedBy: "alice" }), upTo(AFTER.bashRunning), nowAt(60)],
  [
    "finishing, opening a pull request",
    baseView({ status: "finishing" }),
    upTo(AFTER.agentDone + 2),
    nowAt(45),
  ],
  [
    "finishing, updating a pull request",
    baseView({ status: "finishing", run: 2, branchUrl: BRANCH_URL, pr: PR }),
    upTo(AFTER.agentDone + 1),
    nowAt(44),
  ],
  [
    "completed with a pull request",
    baseView({
      status: "completed",
      finishedAt: at(53),
      branchUrl: BRANCH_URL,
      pr: PR,
      summary: "Created `HELLO.md` with a short greeting. `git status` shows it as the only new file.",
    }),
    events(),
    nowAt(600),
  ],
  [
    "completed without changes",
    baseView({ status: "completed", finishedAt: at(306), summary: "`HELLO.md` already has a greeting." }),
    ended(
      upTo(AFTER.bashDone),
      { branch: BRANCH, sha: "9f3c2e1a7b", commitsAhead: 0, pushed: false },
      "completed",
    ),
    nowAt(400),
  ],
  [
    "completed, but the agent reported an error",
    baseView({ status: "completed", finishedAt: at(306), branchUrl: BRANCH_URL, pr: PR }),
    ended(
      upTo(AFTER.bashDone),
      { branch: BRANCH, sha: "4b1d0c9e22", commitsAhead: 1, pushed: true },
      "completed",
      { success: false, error: 'API Error: 529 {"type":"overloaded_error"}' },
    ),
    nowAt(400),
  ],
  [
    "failed, partial work pushed",
    baseView({
      status: "failed",
      finishedAt: at(306),
      branchUrl: BRANCH_URL,
      error: "The sandbox stopped answering.",
    }),
    ended(
      upTo(AFTER.bashRunning),
      { branch: BRANCH, sha: "4b1d0c9e22", commitsAhead: 2, pushed: true },
      "failed",
    ),
    nowAt(900),
  ],
  [
    "failed, the push failed",
    baseView({ status: "failed", finishedAt: at(306), error: "Pushing the branch failed." }),
    ended(
      upTo(AFTER.agentDone),
      { branch: BRANCH, error: "remote: Permission to acme/widgets denied" },
      "failed",
    ),
    nowAt(900),
  ],
  [
    "failed, nothing pushed",
    baseView({ status: "failed", finishedAt: at(40), error: "The sandbox stopped answering." }),
    upTo(AFTER.bashRunning),
    nowAt(900),
  ],
  [
    "cancelled by a user, queue cleared",
    baseView({
      status: "cancelled",
      finishedAt: at(72),
      stoppedBy: "alice",
      queueCleared: 2,
      branchUrl: BRANCH_URL,
    }),
    [
      ...upTo(AFTER.bashRunning),
      ev(70, "session_status", { status: "cancelled", reason: "Stopped by @alice" }),
      ev(72, "push_complete", { branch: BRANCH, sha: "77aa", commitsAhead: 1, pushed: true }),
    ],
    nowAt(900),
  ],
  [
    "timed out",
    baseView({ status: "failed", finishedAt: at(1_800), error: "The run hit its time limit of 30 minutes." }),
    [
      ...upTo(AFTER.bashRunning),
      ev(1_800, "error", { message: "The run hit its time limit of 30 minutes." }),
    ],
    nowAt(1_801),
  ],
  [
    "a follow-up run (run 2) with requests queued",
    baseView({
      run: 2,
      requester: "alice",
      task: "Also add a German greeting.",
      runStartedAt: at(1_000),
      branchUrl: BRANCH_URL,
      pr: PR,
      queue: [
        { author: "bob", text: "and a French one" },
        { author: "octocat", text: "then update the README" },
      ],
    }),
    [
      ev(1_000, "session_status", { status: "running" }),
      ev(1_001, "user_message", { text: "Also add a German greeting.", author: "alice" }),
      call(1_010, { kind: "read", name: "Read", path: "HELLO.md" }),
      result(1_010),
      call(1_011, { kind: "edit", name: "Edit", path: "HELLO.md", added: 2, removed: 0 }),
      usage(1_012, 900, 10, 0.004),
    ],
    nowAt(1_030),
  ],
];

describe("every state of the comment", () => {
  it.each(STATES)("%s", (_name, view, list, now) => {
    const md = renderStatusComment(view, list, now);
    expect(md).toMatchSnapshot();
    const [headline, meta] = md.split("\n\n");
    expect(headline).toMatch(/^### \S+ /);
    expect(meta).toMatch(/^Asked by \[\w+\]\(https:\/\/github\.com\/\w+\) · started \d\d:\d\d UTC · /);
    expect(md).toMatch(/\n🔗 [^\n]*\[Full transcript\]\(https:\/\/understudy\.example\.com\/sessions\//);
    expect(md.length).toBeLessThanOrEqual(65_536);
  });
});

describe("the header stays honest between edits", () => {
  it("while running: the UTC start time, and the elapsed time as of the last update", () => {
    const at30 = renderStatusComment(baseView(), upTo(AFTER.bashRunning), nowAt(30));
    expect(at30.split("\n\n").slice(0, 2)).toEqual([
      "### 🛠️ Working…",
      "Asked by [octocat](https://github.com/octocat) · started 02:14 UTC · 30s ago at last update",
    ]);
    // The headline itself never carries a time that goes stale while no edit comes.
    const later = renderStatusComment(baseView(), upTo(AFTER.bashRunning), nowAt(3_725));
    expect(later.split("\n")[0]).toBe("### 🛠️ Working…");
    expect(later).toContain("started 02:14 UTC · 1h 02m ago at last update");
  });

  it("at the end: the total time, frozen, and no 'ago'", () => {
    const view = baseView({ status: "completed", finishedAt: at(240), pr: PR });
    const md = renderStatusComment(view, events(), nowAt(9_000));
    expect(md).toContain(
      "Asked by [octocat](https://github.com/octocat) · started 02:14 UTC · took 4m 00s\n",
    );
    expect(md).not.toContain("ago");
    expect(renderStatusComment(view, events(), nowAt(90_000))).toBe(md);
  });

  it("dates the start when it was not on the day of the update", () => {
    const md = renderStatusComment(baseView({ runStartedAt: "2026-11-23T23:58:00.000Z" }), [], nowAt(0));
    expect(md).toContain("started 2026-11-23 23:58 UTC · 2h 16m ago at last update");
  });

  it("says who asked, defused so an edit never pings them", () => {
    const md = renderStatusComment(baseView({ requester: "some_body" }), [], nowAt(0));
    expect(md).toContain("Asked by [some\\_body](https://github.com/some_body) ·");
  });
});

describe("an agent that reported an error", () => {
  const view = baseView({ status: "completed", finishedAt: at(306), branchUrl: BRANCH_URL, pr: PR });
  const push = { branch: BRANCH, sha: "4b1d0c9e22", commitsAhead: 1, pushed: true };

  it("is never shown as done, even when the session completed and a pull request exists", () => {
    const md = renderStatusComment(
      view,
      ended(upTo(AFTER.bashDone), push, "completed", { success: false, error: "API Error: 529 Overloaded" }),
      nowAt(400),
    );
    expect(md.split("\n")[0]).toBe("### ❌ Agent reported an error");
    expect(md).not.toMatch(/✅|Done/);
    expect(md).toContain("**Error**\n\n```text\nAPI Error: 529 Overloaded\n```");
    expect(md).toContain("💾 Changes so far were pushed to");
    // Its steps stay open, as a failed run's do: a reader looks for what went wrong.
    expect(md).not.toContain("What I did");
    expect(md).toContain("- [x] Show changed files");
  });

  it("counts an error field as an error, even next to success: true", () => {
    const md = renderStatusComment(
      view,
      ended(upTo(AFTER.bashDone), push, "completed", { success: true, error: "Permission denied for Bash" }),
      nowAt(400),
    );
    expect(md.split("\n")[0]).toBe("### ❌ Agent reported an error");
    expect(md).toContain("Permission denied for Bash");
  });

  it("without words of its own, says so rather than inventing a reason", () => {
    const md = renderStatusComment(view, ended([], push, "completed", { success: false }), nowAt(400));
    expect(md).toContain("The run ended without saying why.");
  });
});

describe("renderStatusComment over the life of a session", () => {
  it("starting: says so, quotes the task, links the transcript", () => {
    const md = renderStatusComment(baseView({ status: "provisioning" }), upTo(AFTER.cloning), nowAt(3));
    expect(md.split("\n")[0]).toBe("### ⏳ Starting…");
    expect(md).toContain("> Create `HELLO.md` with a short greeting, then check `git status`.");
    expect(md).toContain("_Cloning the repository…_");
    expect(md).toContain(
      "🔗 [Full transcript](https://understudy.example.com/sessions/ses_01JD8Z4K7Q?sig=abc123)",
    );
  });

  it("running: checks off finished steps and marks the current one", () => {
    const md = renderStatusComment(baseView(), upTo(AFTER.bashRunning), nowAt(65));
    expect(md).toContain("- [x] Wrote `HELLO.md`");
    expect(md).toContain("- [ ] **Now:** Show changed files");
    expect(md).toContain("💭 I will create HELLO.md.");
    expect(md).toContain("<sub>1 turn · 1.3k tokens · $0.01</sub>");
  });

  it("running between tool calls: nothing is marked as now, the latest thought shows", () => {
    const md = renderStatusComment(baseView(), upTo(AFTER.bashDone), nowAt(35));
    expect(md).not.toContain("**Now:**");
    expect(md).toContain("- [x] Show changed files");
  });

  it("says when the agent was not isolated, and which hosts the allowlist refused", () => {
    const events = [
      ...upTo(AFTER.bashDone).slice(0, 2),
      ev(3, "isolation", { mode: "none", allowedHosts: [] }),
      ...upTo(AFTER.bashDone).slice(2),
      ev(31, "network_blocked", { host: "registry.npmjs.org", port: 443 }),
      ev(32, "network_blocked", { host: "registry.npmjs.org", port: 443 }),
      ev(33, "network_blocked", { host: "evil.example`<b>", port: 80 }),
    ];
    const md = renderStatusComment(baseView(), events, nowAt(35));
    expect(md).toContain("⚠️ **Not isolated**: this sandbox host runs agents with `--unsafe-no-isolation`");
    const blocked = md.split("\n").filter((l) => l.startsWith("🛡️ "));
    expect(blocked).toHaveLength(1);
    expect(blocked[0]).toContain("`registry.npmjs.org:443`, ");
    expect(blocked[0]).toContain("``evil.example`<b>:80``");
    expect(rawHtml(md).join("")).not.toContain("<b>");
    // Isolated runs say nothing about it: the transcript has the details.
    const isolated = renderStatusComment(
      baseView(),
      [...upTo(5), ev(3, "isolation", { mode: "bubblewrap", allowedHosts: ["api.anthropic.com:443"] })],
      nowAt(8),
    );
    expect(isolated).not.toMatch(/isolat|Blocked/);
  });

  it("says which workflow changes were kept off the branch, and how to allow them", () => {
    const events = ended(
      [
        ...upTo(AFTER.agentDone),
        ev(301, "files_left_out", {
          paths: [".github/workflows/ci.yml"],
          reason: "changes to workflow files are pushed only when `allow_workflow_changes: true` is set",
        }),
      ],
      { branch: BRANCH, sha: "a".repeat(40), commitsAhead: 1, pushed: true },
      "completed",
      { success: true, summary: "Fixed." },
    );
    const md = renderStatusComment(baseView({ status: "completed" }), events, nowAt(400));
    const line = md.split("\n").find((l) => l.startsWith("⚠️ Not pushed"));
    expect(line).toBe(
      "⚠️ Not pushed: `.github/workflows/ci.yml`; workflow changes are pushed only with `allow_workflow_changes: true` in `.github/understudy.yml`.",
    );
  });

  it("while running, shows how much of its budget the run has used", () => {
    const view = baseView({ budget: { maxTurns: 150, maxCostUsd: 10 } });
    const md = renderStatusComment(view, upTo(AFTER.bashRunning), nowAt(30));
    expect(md).toMatch(/^<sub>Budget: turn 2 of 150 · (up to \$10\.00|\$0\.\d\d of \$10\.00)<\/sub>$/m);
    const done = renderStatusComment(
      { ...view, status: "completed" },
      ended(upTo(AFTER.agentDone), null, "completed"),
      nowAt(400),
    );
    expect(done).not.toContain("Budget:");
  });

  it("finishing: says it is pushing, steps all done", () => {
    const md = renderStatusComment(baseView({ status: "finishing" }), upTo(AFTER.agentDone + 2), nowAt(45));
    expect(md.split("\n")[0]).toBe("### 📤 Pushing & opening PR…");
    expect(md).toContain("_Pushing the branch…_");
    expect(md).not.toMatch(/working|Now:/i);
  });

  it("completed with a PR: summary, collapsed steps, links, turns and cost", () => {
    const view = baseView({
      status: "completed",
      finishedAt: at(53),
      branchUrl: BRANCH_URL,
      pr: PR,
      summary: "Created `HELLO.md` with a short greeting. `git status` shows it as the only new file.",
    });
    const md = renderStatusComment(view, events(), nowAt(600));
    expect(md.split("\n")[0]).toBe("### ✅ Done");
    expect(md).toContain("[Pull request #13](https://github.com/acme/widgets/pull/13)");
    expect(md).toContain(
      "[Compare with `main`](https://github.com/acme/widgets/compare/main...understudy/12-add-a-greeting-file)",
    );
    expect(md).toContain("<sub>2 turns · 2.9k tokens · $0.03</sub>");
    expect(md).not.toMatch(/working|Now:/i);
  });

  it("failed after pushing: the error and that the work was saved", () => {
    const failedEvents: Event[] = [
      ...upTo(AFTER.bashDone),
      ev(300, "execution_complete", { success: false, error: "Time limit of 5m reached" }),
      ev(305, "push_complete", { branch: BRANCH, sha: "4b1d0c9e22", commitsAhead: 2, pushed: true }),
    ];
    const view = baseView({
      status: "failed",
      finishedAt: at(306),
      branchUrl: BRANCH_URL,
      error: "Time limit of 5m reached",
    });
    const md = renderStatusComment(view, failedEvents, nowAt(900));
    expect(md.split("\n")[0]).toBe("### ❌ Failed");
    expect(md).toContain("took 5m 06s");
    expect(md).toContain(
      `💾 Changes so far were pushed to [\`understudy/12-add-a-greeting-file\`](${BRANCH_URL}) (2 commits ahead of \`main\`).`,
    );
    expect(md).not.toMatch(/working/i);
  });

  it("failed with nothing pushed: says the work was not saved, and why the last step never finished", () => {
    const view = baseView({ status: "failed", finishedAt: at(40), error: "The sandbox stopped answering." });
    const md = renderStatusComment(view, upTo(AFTER.bashRunning), nowAt(900));
    expect(md).toContain("⚠️ Nothing was pushed: no changes from this run were saved.");
    expect(md).toContain("- [ ] Show changed files — _did not finish_");
    // No branch was pushed, so there is nothing to compare.
    expect(md).not.toContain("Compare with");
    expect(md).not.toMatch(/working|Now:/i);
  });

  it("failed when the push itself failed: says the changes are not on GitHub", () => {
    const view = baseView({ status: "failed", finishedAt: at(60), error: "push rejected" });
    const md = renderStatusComment(
      view,
      [
        ...upTo(AFTER.agentDone),
        ev(59, "push_error", { branch: BRANCH, error: "remote: Permission denied" }),
      ],
      nowAt(61),
    );
    expect(md).toContain(
      "⚠️ Pushing `understudy/12-add-a-greeting-file` failed, so the changes of this run are **not** saved on GitHub: remote: Permission denied",
    );
  });

  it("cancelled: Stopped, with the reason and what was saved", () => {
    const stopped: Event[] = [
      ...upTo(AFTER.bashRunning),
      ev(70, "session_status", { status: "cancelled", reason: "Stopped by @octocat" }),
      ev(72, "push_complete", { branch: BRANCH, sha: "77aa", commitsAhead: 1, pushed: true }),
    ];
    const view = baseView({ status: "cancelled", finishedAt: at(72), branchUrl: BRANCH_URL });
    const md = renderStatusComment(view, stopped, nowAt(500));
    expect(md.split("\n")[0]).toBe("### ⏹️ Stopped");
    expect(md).toContain("Stopped by @\u200bocto");
    expect(md).toContain("💾 Changes so far were pushed to");
    expect(md).not.toMatch(/working|Now:/i);
  });

  it("completed without changes: says why there is no pull request", () => {
    const view = baseView({ status: "completed", finishedAt: at(42), summary: "The file already exists." });
    const nothing = ev(41, "push_complete", {
      branch: BRANCH,
      sha: "9f3c2e1a7b",
      commitsAhead: 0,
      pushed: false,
    });
    const md = renderStatusComment(view, [...upTo(AFTER.agentDone), nothing], nowAt(100));
    expect(md).toContain("ℹ️ The agent made no changes, so there is no pull request.");
    // Without a push report it does not guess that nothing changed.
    const unknown = renderStatusComment(view, upTo(AFTER.agentDone), nowAt(100));
    expect(unknown).toContain("ℹ️ No pull request was opened. ⚠️ Nothing was pushed");
  });
});

describe("links", () => {
  it("links the compare view on the host GitHub gave us, each part of the path encoded", () => {
    const view = baseView({
      status: "completed",
      finishedAt: at(53),
      repo: { owner: "acme", name: "wid gets" },
      baseBranch: "release/2.x",
      branch: "understudy/12-ça",
      branchUrl: "https://ghe.example.com/acme/wid%20gets/tree/understudy/12-%C3%A7a",
    });
    const md = renderStatusComment(view, events(), nowAt(60));
    expect(md).toContain(
      "[Compare with `release/2.x`](https://ghe.example.com/acme/wid%20gets/compare/release/2.x...understudy/12-%C3%A7a)",
    );
  });

  it("lists pull request, branch, compare view and transcript, in that order", () => {
    const md = renderStatusComment(baseView({ branchUrl: BRANCH_URL, pr: PR }), [], nowAt(5));
    const links = md.split("\n").find((l) => l.startsWith("🔗 "));
    expect(links?.match(/\[([^\]]+)\]/g)).toEqual([
      "[Pull request #13]",
      "[Branch `understudy/12-add-a-greeting-file`]",
      "[Compare with `main`]",
      "[Full transcript]",
    ]);
  });
});

describe("describing steps", () => {
  it("names each kind of step in words, whatever the agent called its tool", () => {
    const md = renderStatusComment(
      baseView(),
      [
        call(1, { kind: "read", name: "Read", path: "src/repo/date.ts" }),
        result(1),
        call(2, { kind: "edit", name: "Edit", path: "src/date.ts", added: 1, removed: 1 }),
        result(2, "String to replace not found", true),
        call(3, { kind: "shell", name: "Bash", command: "npm test -- --run\nnpm run lint" }),
        result(3),
        call(4, { kind: "search", name: "Grep", query: "parseDate" }),
        result(4),
        call(6, { kind: "edit", name: "apply_patch", path: "src/date.ts", added: 3, removed: 1 }),
        result(6),
        call(7, { kind: "web", name: "WebFetch", url: "https://example.com/x" }),
        result(7),
        call(8, { kind: "other", name: "TodoWrite", description: "Update the plan" }),
        result(8),
        call(9, { kind: "write", name: "Write", path: "NOTES.md" }),
        result(9),
        call(5, { kind: "other", name: "mcp__linear__create_issue" }),
      ],
      nowAt(10),
    );
    expect(md).toContain("- [x] Read `src/repo/date.ts`");
    expect(md).toContain("- [ ] ❌ Edit `src/date.ts`\n");
    expect(md).toContain("- [x] Ran `npm test -- --run …`");
    expect(md).toContain("- [x] Searched for `parseDate`");
    expect(md).toContain("- [x] Edited `src/date.ts` (+3 −1)");
    expect(md).toContain("- [x] Fetched `https://example.com/x`");
    expect(md).toContain("- [x] Update the plan");
    expect(md).toContain("- [x] Wrote `NOTES.md`");
    // A tool no kind fits is shown by the agent's own name, as an opaque label.
    expect(md).toContain("- [ ] **Now:** mcp\\_\\_linear\\_\\_create\\_issue");
    // Nothing in the comment comes from a tool's own name when a kind describes it.
    expect(md).not.toMatch(/Bash|Grep|WebFetch|TodoWrite|apply_patch/);
  });

  it("says a command failed, with the exit code its output reported", () => {
    const md = renderStatusComment(
      baseView(),
      [
        call(1, { kind: "shell", name: "Bash", command: "npm test" }),
        result(1, "Exit code 1\n FAIL src/date.test.ts", true),
        call(2, { kind: "shell", name: "Bash", command: "npm run lint", description: "Lint the code" }),
        result(2, "Exit code 2\nerror: 3 problems", true),
        call(3, { kind: "shell", name: "Bash", command: "git push" }),
        result(3, "Permission to use Bash has been denied.", true),
        call(4, { kind: "shell", name: "Bash", command: "npm test" }),
        result(4, "Tests 12 passed"),
        call(5, { kind: "shell", name: "Bash", command: "npm run build" }),
      ],
      nowAt(10),
    );
    expect(md).toContain("- [ ] ❌ Ran `npm test` — failed (exit 1)\n");
    expect(md).toContain("- [ ] ❌ Lint the code — failed (exit 2)\n");
    // A failure that was not an exit (a denied permission) has no code to show.
    expect(md).toContain("- [ ] ❌ Ran `git push` — failed\n");
    expect(md).toContain("- [x] Ran `npm test`\n");
    expect(md).toContain("- [ ] **Now:** Running `npm run build`\n");
  });

  it("keeps hostile commands inside their code span and agent text out of the HTML", () => {
    const md = renderStatusComment(
      baseView({
        task: "Fix it <!-- and hide everything after this\n<details><summary>x",
        requester: "<b>x",
      }),
      [
        call(1, { kind: "shell", name: "Bash", command: "echo ``` <!-- `x` " }),
        result(1),
        call(2, {
          kind: "shell",
          name: "Bash",
          command: "ls",
          description: "List <b>files</b> **now** [x](javascript:alert(1))",
        }),
        call(3, { kind: "read", name: "Read", path: "<!--.ts" }),
        result(3),
        call(4, { kind: "read", name: "Read", path: "a`b`.ts" }),
        result(4),
        ev(5, "assistant_text", { text: "Let me check <script>alert(1)</script> and ping @someone" }),
      ],
      nowAt(10),
    );
    expect(md).toContain("- [x] Ran ```` echo ``` <!-- `x` ````");
    expect(md).toContain("> Fix it &lt;!-- and hide everything after this\n> &lt;details>&lt;summary>x");
    expect(md).toContain("List \\<b\\>files\\</b\\> \\*\\*now\\*\\* \\[x\\](javascript:alert(1))");
    expect(md).toContain("- [x] Read 2 files: `<!--.ts`, ``a`b`.ts``");
    expect(md).toContain("💭 Let me check &lt;script>alert(1)&lt;/script> and ping @\u200bsomeone");
    expect(md).toContain("Asked by [\\<b\\>x](https://github.com/%3Cb%3Ex) ·");
    // Parsed as GFM, the only raw HTML left is ours.
    expect(rawHtml(md)).toEqual(["<!-- understudy:session:ses_01JD8Z4K7Q -->"]);
  });

  it("closes a code fence the agent left open, so links and footer still render", () => {
    const view = baseView({
      status: "completed",
      finishedAt: at(9),
      summary: "# Summary\n\n```ts\nconst x = 1;",
    });
    const md = renderStatusComment(view, [], nowAt(10));
    expect(md).toContain("#### Summary\n\n```ts\nconst x = 1;\n```\n\nℹ️");
    expect(md).toMatch(/\n```\n\nℹ️ [^\n]+\n\n🔗 \[Full transcript\]/);
  });

  it("a summary cannot hide the rest of the comment, however it writes fences and HTML", () => {
    for (const summary of [
      // Not a fence for GitHub (a backtick in the info string), so the `<!--` is text.
      "Done.\n```js`\n<!--",
      // The fence ends with the list item, so the `<details>` is outside any code.
      "Done.\n- item\n  ```\n<details><summary>nothing to see</summary>",
    ]) {
      const md = renderStatusComment(
        baseView({ status: "completed", finishedAt: at(9), summary }),
        [],
        nowAt(10),
      );
      expect(rawHtml(md)).toEqual(["<!-- understudy:session:ses_01JD8Z4K7Q -->"]);
      const blocks = new Marked({ gfm: true }).lexer(md).filter((t) => t.type === "paragraph");
      expect(blocks.map((t) => t.raw.split(" ")[0])).toEqual(expect.arrayContaining(["ℹ️", "🔗"]));
    }
  });
});

describe("grouping steps the way a person says them", () => {
  const read = (s: number, path: string) => [call(s, { kind: "read", name: "Read", path }), result(s)];
  const edit = (s: number, path: string, added: number, removed: number) => [
    call(s, { kind: "edit", name: "Edit", path, added, removed }),
    result(s),
  ];
  const checklist = (md: string) => md.split("\n").filter((l) => l.startsWith("- ["));

  it("consecutive reads are one line with the right count, naming the first few files", () => {
    const md = renderStatusComment(
      baseView(),
      [...read(1, "a.ts"), ...read(2, "b.ts"), ...read(3, "c.ts"), ...read(4, "d.ts"), ...read(5, "b.ts")],
      nowAt(10),
    );
    // b.ts read twice is one file.
    expect(checklist(md)).toEqual(["- [x] Read 4 files: `a.ts`, `b.ts`, `c.ts` and 1 more"]);
  });

  it("a step of another kind in between breaks the group", () => {
    const md = renderStatusComment(
      baseView(),
      [
        ...read(1, "a.ts"),
        ...read(2, "b.ts"),
        call(3, { kind: "search", name: "Grep", query: "x" }),
        result(3),
        ...read(4, "c.ts"),
        ...read(5, "d.ts"),
        ...read(6, "e.ts"),
      ],
      nowAt(10),
    );
    expect(checklist(md)).toEqual([
      "- [x] Read 2 files: `a.ts`, `b.ts`",
      "- [x] Searched for `x`",
      "- [x] Read 3 files: `c.ts`, `d.ts`, `e.ts`",
    ]);
  });

  it("consecutive edits of one file are one line with the lines summed; another file starts a new one", () => {
    const md = renderStatusComment(
      baseView(),
      [
        ...edit(1, "src/date.ts", 3, 1),
        ...edit(2, "src/date.ts", 9, 2),
        ...edit(3, "src/date.test.ts", 4, 0),
        ...edit(4, "src/date.ts", 1, 1),
      ],
      nowAt(10),
    );
    expect(checklist(md)).toEqual([
      "- [x] Edited `src/date.ts` (+12 −3)",
      "- [x] Edited `src/date.test.ts` (+4 −0)",
      "- [x] Edited `src/date.ts` (+1 −1)",
    ]);
  });

  it("a failed step stands alone, never folded into a count of steps that went fine", () => {
    const md = renderStatusComment(
      baseView(),
      [
        ...edit(1, "a.ts", 1, 0),
        call(2, { kind: "edit", name: "Edit", path: "a.ts" }),
        result(2, "no match", true),
      ],
      nowAt(10),
    );
    expect(checklist(md)).toEqual(["- [x] Edited `a.ts` (+1 −0)", "- [ ] ❌ Edit `a.ts`"]);
  });

  it("a group holding the step in progress is marked in progress", () => {
    const running = [
      ...read(1, "a.ts"),
      ...read(2, "b.ts"),
      call(3, { kind: "read", name: "Read", path: "c.ts" }),
    ];
    expect(checklist(renderStatusComment(baseView(), running, nowAt(10)))).toEqual([
      "- [ ] **Now:** Reading 3 files: `a.ts`, `b.ts`, `c.ts`",
    ]);
    const failed = renderStatusComment(
      baseView({ status: "failed", finishedAt: at(11), error: "lost" }),
      running,
      nowAt(20),
    );
    expect(checklist(failed)).toEqual(["- [ ] Read 3 files: `a.ts`, `b.ts`, `c.ts` — _did not finish_"]);
  });

  it("a tool_call re-emitted with the same callId is one step", () => {
    const md = renderStatusComment(
      baseView({ status: "completed", finishedAt: at(10) }),
      [
        call(1, { kind: "shell", name: "Bash", command: "npm test" }),
        ev(2, "tool_call", {
          callId: "c1",
          kind: "shell",
          name: "Bash",
          command: "npm test",
          description: "Run the tests",
          status: "completed",
        }),
        result(1, "ok"),
      ],
      nowAt(20),
    );
    expect(checklist(md)).toEqual(["- [x] Run the tests"]);
    expect(md).toContain("What I did (1 step)");
  });
});

/** How many steps a checklist line stands for: "Read 3 files" is three reads (of distinct files here). */
function stepsOfLine(line: string): number {
  return Number(
    /^- \[.\] (?:\*\*Now:\*\* )?Read(?:ing)? ([\d,]+) files/.exec(line)?.[1]?.replace(/,/g, "") ?? 1,
  );
}

describe("size", () => {
  /**
   * 20,000 steps in blocks of four (an edit, two reads, a command), each with a long path or
   * description: 15,000 checklist lines. The last command is still running.
   */
  function huge(): Event[] {
    const list: Event[] = [];
    const long = (i: number) => `src/${i}/${"a-rather-long-directory-name/".repeat(12)}file-${i}.ts`;
    for (let i = 0; i < 20_000; i++) {
      const kind = i % 4;
      const fields: Omit<ToolCall, "callId" | "status"> =
        kind === 0
          ? { kind: "edit", name: "Edit", path: long(i), added: 1, removed: 1 }
          : kind === 3
            ? {
                kind: "shell",
                name: "Bash",
                command: "x".repeat(5_000),
                description: `Step ${i}: ${"é".repeat(300)}`,
              }
            : { kind: "read", name: "Read", path: long(i) };
      list.push({
        seq: 2 * i + 1,
        at: at(i),
        type: "tool_call",
        data: { callId: `c${i}`, status: "running", ...fields },
      });
      if (i < 19_999)
        list.push({
          seq: 2 * i + 2,
          at: at(i),
          type: "tool_result",
          data: { callId: `c${i}`, output: "", isError: false },
        });
    }
    list.push({ seq: 99_999, at: at(20_000), type: "assistant_text", data: { text: "y".repeat(100_000) } });
    return list;
  }
  const many = huge();
  // `<` is escaped to `&lt;`: the summary's cut 10,000 characters take 40,000 in the comment.
  const summary = "<".repeat(60_000);
  const view = baseView({ task: "<".repeat(100_000), summary, branchUrl: BRANCH_URL, pr: PR });

  /** Steps accounted for: on lines shown, in the "… and N steps earlier" count, and in the title. */
  function accounting(md: string) {
    const lines = md.split("\n").filter((l) => l.startsWith("- ["));
    const dropped = Number(/_… and ([\d,]+) steps earlier/.exec(md)?.[1]?.replace(/,/g, "") ?? 0);
    return { lines, shownSteps: lines.reduce((n, l) => n + stepsOfLine(l), 0), dropped };
  }

  it("a running comment of 20,000 steps stays under the limit, keeps the newest steps and counts the rest", () => {
    const md = renderStatusComment(view, many, nowAt(20_001));
    expect(md.length).toBeLessThanOrEqual(65_536);
    const { lines, shownSteps, dropped } = accounting(md);
    expect(lines.at(-1)).toMatch(/^- \[ \] \*\*Now:\*\* Step 19999: é/);
    expect(lines.at(-2)).toMatch(/^- \[x\] Read 2 files: `src\/19997\/.*`, `src\/19998\/.*`$/);
    expect(md).toContain("<details><summary>Earlier steps (19,989)</summary>");
    expect(dropped + shownSteps).toBe(20_000);
    expect(dropped).toBeGreaterThan(0);
    expect(md).toMatch(
      /\n🔗 \[Pull request #13\]\([^)]+\) · \[Branch [^\n]+ · \[Full transcript\]\(https:\/\/understudy/,
    );
    expect(md).toContain("<!-- understudy:session:ses_01JD8Z4K7Q -->");
  });

  it("a completed one folds every step, newest kept, with a 60,000-character summary", () => {
    const done = { ...view, status: "completed" as const, finishedAt: at(20_001) };
    const md = renderStatusComment(done, many, nowAt(20_002));
    expect(md.length).toBeLessThanOrEqual(65_536);
    expect(md).toContain("<details><summary>What I did (20,000 steps)</summary>");
    const { lines, shownSteps, dropped } = accounting(md);
    expect(lines.at(-1)).toMatch(/^- \[ \] Step 19999: é+… — _did not finish_$/);
    expect(dropped + shownSteps).toBe(20_000);
    expect(md).toMatch(/\n🔗 \[Pull request #13\][^\n]+\[Full transcript\]\(https:\/\/understudy/);
  });

  it("a failed one with the summary as the agent's last update still fits", () => {
    const failed = { ...view, status: "failed" as const, finishedAt: at(20_001), error: "e".repeat(50_000) };
    const md = renderStatusComment(failed, many, nowAt(20_002));
    expect(md.length).toBeLessThanOrEqual(65_536);
    const { lines, shownSteps, dropped } = accounting(md);
    expect(lines.at(-1)).toMatch(/Step 19999: é+… — _did not finish_$/);
    expect(dropped + shownSteps).toBe(20_000);
    expect(md).toContain("[Full transcript](https://understudy");
  });
});

describe("long sessions", () => {
  it("keeps the newest 200 earlier lines collapsed and counts the steps of the rest", () => {
    const many: Event[] = [];
    for (let i = 0; i < 2_000; i++) {
      // Alternating kinds, so no two neighbours group: one line per step.
      const fields: Omit<ToolCall, "callId" | "status"> =
        i % 2 === 0
          ? { kind: "read", name: "Read", path: `f${i}.ts` }
          : { kind: "search", name: "Grep", query: `q${i}` };
      many.push({
        seq: i + 1,
        at: at(i),
        type: "tool_call",
        data: { callId: `c${i}`, status: "completed", ...fields },
      });
    }
    const md = renderStatusComment(baseView(), many, nowAt(2_001));
    expect(md).toContain("<details><summary>Earlier steps (1,992)</summary>");
    expect(md).toContain("_… and 1,792 steps earlier, in the [transcript](");
    expect(md).not.toContain("`q1791`");
    expect(md).toContain("- [x] Read `f1792.ts`");
    expect(md).toContain("- [x] Searched for `q1999`");
  });
});

describe("runs", () => {
  it("a follow-up run shows the events it is given, told apart by run number and not by clock", () => {
    const view = baseView({ run: 2, runStartedAt: at(1_000), branchUrl: BRANCH_URL, pr: PR });
    // The store hands over run 2's events only. The sandbox's clock runs 10 minutes behind the
    // control plane's here: its events still belong to the run they were stored under.
    const second: Event[] = [
      call(400, { kind: "read", name: "Read", path: "HELLO.md" }),
      usage(401, 900, 10, 0.004),
    ];
    const md = renderStatusComment(view, second, nowAt(1_020));
    expect(md).toContain("started 02:30 UTC · 20s ago at last update");
    expect(md).not.toContain("HELLO.md` with a greeting");
    expect(md).toContain("- [ ] **Now:** Reading `HELLO.md`");
    expect(md).toContain("<sub>Run 2 · 1 turn · 910 tokens · <$0.01</sub>");
  });
});

describe("queue and stops", () => {
  it("says what is queued next and who asked, in order, cut to one short line each", () => {
    const view = baseView({
      queue: [
        { author: "alice", text: "add tests for the greeting" },
        { author: "bob", text: `rename the file to GREETING.md\n\nand ${"then more ".repeat(30)}` },
      ],
    });
    const md = renderStatusComment(view, upTo(AFTER.bashRunning), nowAt(65));
    const line = md.split("\n").find((l) => l.includes("Queued next"));
    expect(line).toBe(
      "⏭️ **Queued next:** 2 requests — @\u200balice: add tests for the greeting; @\u200bbob: rename the file to GREETING.md and then more then more then more then more then…",
    );
    // Above the links, under what the run is doing now.
    expect(md.indexOf("Queued next")).toBeGreaterThan(md.indexOf("**Now:**"));
    expect(md.indexOf("Queued next")).toBeLessThan(md.indexOf("🔗"));
  });

  it("names the first few queued requests and counts the rest; an empty queue says nothing", () => {
    const queue = ["a", "b", "c", "d", "e"].map((author) => ({ author, text: `task of ${author}` }));
    const md = renderStatusComment(baseView({ queue }), upTo(AFTER.bashRunning), nowAt(65));
    expect(md).toContain(
      "⏭️ **Queued next:** 5 requests — @\u200ba: task of a; @\u200bb: task of b; @\u200bc: task of c; and 2 more",
    );
    expect(renderStatusComment(baseView(), upTo(AFTER.bashRunning), nowAt(65))).not.toContain("Queued");
    const one = renderStatusComment(baseView({ queue: [queue[0]!] }), upTo(AFTER.bashRunning), nowAt(65));
    expect(one).toContain("⏭️ **Queued next:** 1 request — @\u200ba: task of a\n");
  });

  it("keeps a queued request's text from breaking the comment", () => {
    const view = baseView({ queue: [{ author: "mallory", text: "<!-- hide <details> `x` @everyone ```" }] });
    const md = renderStatusComment(view, [], nowAt(65));
    expect(rawHtml(md)).toEqual(["<!-- understudy:session:ses_01JD8Z4K7Q -->"]);
    expect(md).toContain("@\u200beveryone");
  });

  it("a stopped run says who stopped it and how many queued requests the stop cleared", () => {
    const stopped: Event[] = [
      ...upTo(AFTER.bashRunning),
      {
        seq: 0,
        at: at(70),
        type: "session_status",
        data: { status: "cancelled", reason: "Stopped by @alice" },
      },
    ];
    const view = baseView({ status: "cancelled", finishedAt: at(72), stoppedBy: "alice", queueCleared: 2 });
    const md = renderStatusComment(view, stopped, nowAt(500));
    expect(md).toMatchInlineSnapshot(`
      "### ⏹️ Stopped

      Asked by [octocat](https://github.com/octocat) · started 02:14 UTC · took 1m 12s

      > Create \`HELLO.md\` with a short greeting, then check \`git status\`.

      Stopped by @​alice

      🧹 The stop cleared 2 queued requests: they will not run.

      ⚠️ Nothing was pushed: no changes from this run were saved.

      - [x] Wrote \`HELLO.md\`
      - [ ] Show changed files — _did not finish_

      🔗 [Full transcript](https://understudy.example.com/sessions/ses_01JD8Z4K7Q?sig=abc123)

      <sub>1 turn · 1.3k tokens · $0.01</sub>

      <!-- understudy:session:ses_01JD8Z4K7Q -->"
    `);
    // Said once, not once from the stored reason and again from stoppedBy.
    expect(md.match(/Stopped by/g)).toHaveLength(1);

    const alone = renderStatusComment({ ...view, queueCleared: 0 }, stopped, nowAt(500));
    expect(alone).toContain("Stopped by @\u200balice");
    expect(alone).not.toContain("cleared");
    // Between the stop and the bridge's last report the run says so instead of "Working".
    const stopping = renderStatusComment(
      baseView({ status: "running", stoppedBy: "alice" }),
      stopped.slice(0, -1),
      nowAt(60),
    );
    expect(stopping.split("\n")[0]).toBe("### ⏹️ Stopping, saving the work so far…");
    expect(stopping).toContain("1m 00s ago at last update");
    const one = renderStatusComment({ ...view, queueCleared: 1 }, stopped, nowAt(500));
    expect(one).toContain("🧹 The stop cleared 1 queued request: it will not run.");
  });

  it("a stop whose sandbox never saved its work says so after who stopped it", () => {
    const view = baseView({
      status: "cancelled",
      finishedAt: at(90),
      stoppedBy: "alice",
      error: "the sandbox did not save its work within 30 s",
    });
    const md = renderStatusComment(view, upTo(AFTER.bashRunning), nowAt(500));
    expect(md).toContain("Stopped by @\u200balice: the sandbox did not save its work within 30 s");
  });
});
