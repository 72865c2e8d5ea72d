import { Marked, type Token } from "marked";
import { describe, expect, it } from "vitest";
import { AFTER, at, BRANCH_URL, baseView, events, PR, upTo } from "../../test/support/session-scenario.js";
import { formatDuration } from "./format-duration.js";
import { renderStatusComment } from "./render-status-comment.js";
import type { Event, ToolCall } from "./wire.js";

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

describe("renderStatusComment over the life of a session", () => {
  it("starting: says so, quotes the task, links the transcript", () => {
    const md = renderStatusComment(baseView({ status: "provisioning" }), upTo(AFTER.cloning), nowAt(3));
    expect(md).toMatchInlineSnapshot(`
      "### ⏳ Starting… · 3s

      > Create \`HELLO.md\` with a short greeting, then check \`git status\`.

      _Cloning the repository…_

      🔗 [Full transcript](https://understudy.example.com/sessions/ses_01JD8Z4K7Q?sig=abc123)

      <!-- understudy:session:ses_01JD8Z4K7Q -->"
    `);
    expect(md.split("\n")[0]).toBe("### ⏳ Starting… · 3s");
  });

  it("running: checks off finished steps and marks the current one", () => {
    const md = renderStatusComment(baseView(), upTo(AFTER.bashRunning), nowAt(65));
    expect(md).toMatchInlineSnapshot(`
      "### 🛠️ Working… · 1m 05s

      > Create \`HELLO.md\` with a short greeting, then check \`git status\`.

      - [x] Wrote \`HELLO.md\`
      - [ ] **Now:** Show changed files

      💭 I will create HELLO.md.

      🔗 [Full transcript](https://understudy.example.com/sessions/ses_01JD8Z4K7Q?sig=abc123)

      <sub>1.3k tokens · $0.01</sub>

      <!-- understudy:session:ses_01JD8Z4K7Q -->"
    `);
    expect(md.split("\n")[0]).toBe("### 🛠️ Working… · 1m 05s");
    expect(md).toContain("- [x] Wrote `HELLO.md`");
    expect(md).toContain("- [ ] **Now:** Show changed files");
    expect(md).toContain("💭 I will create HELLO.md.");
  });

  it("running between tool calls: nothing is marked as now, the latest thought shows", () => {
    const md = renderStatusComment(baseView(), upTo(AFTER.bashDone), nowAt(35));
    expect(md).not.toContain("**Now:**");
    expect(md).toContain("- [x] Show changed files");
  });

  it("finishing: says it is pushing, steps all done", () => {
    const md = renderStatusComment(baseView({ status: "finishing" }), upTo(AFTER.agentDone + 2), nowAt(45));
    expect(md.split("\n")[0]).toBe("### 📤 Pushing & opening PR… · 45s");
    expect(md).toContain("_Pushing the branch…_");
    expect(md).not.toMatch(/working|Now:/i);
  });

  it("completed with a PR: summary, collapsed steps, links and cost", () => {
    const view = baseView({
      status: "completed",
      finishedAt: at(53),
      branchUrl: BRANCH_URL,
      pr: PR,
      summary: "Created `HELLO.md` with a short greeting. `git status` shows it as the only new file.",
    });
    const md = renderStatusComment(view, events(), nowAt(600));
    expect(md).toMatchInlineSnapshot(`
      "### ✅ Done · 53s

      > Create \`HELLO.md\` with a short greeting, then check \`git status\`.

      Created \`HELLO.md\` with a short greeting. \`git status\` shows it as the only new file.

      <details><summary>What I did (2 steps)</summary>

      - [x] Wrote \`HELLO.md\`
      - [x] Show changed files

      </details>

      🔗 [Pull request #13](https://github.com/acme/widgets/pull/13) · [Branch \`understudy/12-add-a-greeting-file\`](https://github.com/acme/widgets/tree/understudy/12-add-a-greeting-file) · [Full transcript](https://understudy.example.com/sessions/ses_01JD8Z4K7Q?sig=abc123)

      <sub>2.9k tokens · $0.03</sub>

      <!-- understudy:session:ses_01JD8Z4K7Q -->"
    `);
    expect(md.split("\n")[0]).toBe("### ✅ Done · 53s");
    expect(md).toContain("[Pull request #13](https://github.com/acme/widgets/pull/13)");
    expect(md).toContain("<sub>2.9k tokens · $0.03</sub>");
    expect(md).not.toMatch(/working|Now:/i);
  });

  it("failed after pushing: the error and that the work was saved", () => {
    const failedEvents: Event[] = [
      ...upTo(AFTER.bashDone),
      {
        seq: 50,
        at: at(300),
        type: "execution_complete",
        data: { success: false, error: "Time limit of 5m reached" },
      },
      {
        seq: 51,
        at: at(305),
        type: "push_complete",
        data: {
          branch: "understudy/12-add-a-greeting-file",
          sha: "4b1d0c9e22",
          commitsAhead: 2,
          pushed: true,
        },
      },
    ];
    const view = baseView({
      status: "failed",
      finishedAt: at(306),
      branchUrl: BRANCH_URL,
      error: "Time limit of 5m reached",
    });
    const md = renderStatusComment(view, failedEvents, nowAt(900));
    expect(md).toMatchInlineSnapshot(`
      "### ❌ Failed · 5m 06s

      > Create \`HELLO.md\` with a short greeting, then check \`git status\`.

      **Error**

      \`\`\`text
      Time limit of 5m reached
      \`\`\`

      💾 Changes so far were pushed to [\`understudy/12-add-a-greeting-file\`](https://github.com/acme/widgets/tree/understudy/12-add-a-greeting-file) (2 commits ahead of \`main\`).

      - [x] Wrote \`HELLO.md\`
      - [x] Show changed files

      🔗 [Branch \`understudy/12-add-a-greeting-file\`](https://github.com/acme/widgets/tree/understudy/12-add-a-greeting-file) · [Full transcript](https://understudy.example.com/sessions/ses_01JD8Z4K7Q?sig=abc123)

      <sub>1.3k tokens · $0.01</sub>

      <!-- understudy:session:ses_01JD8Z4K7Q -->"
    `);
    expect(md.split("\n")[0]).toBe("### ❌ Failed · 5m 06s");
    expect(md).toContain(
      `💾 Changes so far were pushed to [\`understudy/12-add-a-greeting-file\`](${BRANCH_URL}) (2 commits ahead of \`main\`).`,
    );
    expect(md).not.toMatch(/working/i);
  });

  it("failed with nothing pushed: says the work was not saved, and why the last step never finished", () => {
    const view = baseView({ status: "failed", finishedAt: at(40), error: "The sandbox stopped answering." });
    const md = renderStatusComment(view, upTo(AFTER.bashRunning), nowAt(900));
    expect(md).toMatchInlineSnapshot(`
      "### ❌ Failed · 40s

      > Create \`HELLO.md\` with a short greeting, then check \`git status\`.

      **Error**

      \`\`\`text
      The sandbox stopped answering.
      \`\`\`

      ⚠️ Nothing was pushed: no changes from this run were saved.

      - [x] Wrote \`HELLO.md\`
      - [ ] Show changed files — _did not finish_

      🔗 [Full transcript](https://understudy.example.com/sessions/ses_01JD8Z4K7Q?sig=abc123)

      <sub>1.3k tokens · $0.01</sub>

      <!-- understudy:session:ses_01JD8Z4K7Q -->"
    `);
    expect(md).toContain("⚠️ Nothing was pushed: no changes from this run were saved.");
    expect(md).toContain("- [ ] Show changed files — _did not finish_");
    expect(md).not.toMatch(/working|Now:/i);
  });

  it("failed when the push itself failed: says the changes are not on GitHub", () => {
    const view = baseView({ status: "failed", finishedAt: at(60), error: "push rejected" });
    const md = renderStatusComment(
      view,
      [
        ...upTo(AFTER.agentDone),
        {
          seq: 99,
          at: at(59),
          type: "push_error",
          data: { branch: "understudy/12-add-a-greeting-file", error: "remote: Permission denied" },
        },
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
      {
        seq: 60,
        at: at(70),
        type: "session_status",
        data: { status: "cancelled", reason: "Stopped by @octocat" },
      },
      {
        seq: 61,
        at: at(72),
        type: "push_complete",
        data: { branch: "understudy/12-add-a-greeting-file", sha: "77aa", commitsAhead: 1, pushed: true },
      },
    ];
    const view = baseView({ status: "cancelled", finishedAt: at(72), branchUrl: BRANCH_URL });
    const md = renderStatusComment(view, stopped, nowAt(500));
    expect(md).toMatchInlineSnapshot(`
      "### ⏹️ Stopped · 1m 12s

      > Create \`HELLO.md\` with a short greeting, then check \`git status\`.

      Stopped by @​octocat

      💾 Changes so far were pushed to [\`understudy/12-add-a-greeting-file\`](https://github.com/acme/widgets/tree/understudy/12-add-a-greeting-file) (1 commit ahead of \`main\`).

      - [x] Wrote \`HELLO.md\`
      - [ ] Show changed files — _did not finish_

      🔗 [Branch \`understudy/12-add-a-greeting-file\`](https://github.com/acme/widgets/tree/understudy/12-add-a-greeting-file) · [Full transcript](https://understudy.example.com/sessions/ses_01JD8Z4K7Q?sig=abc123)

      <sub>1.3k tokens · $0.01</sub>

      <!-- understudy:session:ses_01JD8Z4K7Q -->"
    `);
    expect(md.split("\n")[0]).toBe("### ⏹️ Stopped · 1m 12s");
    expect(md).toContain("Stopped by @\u200bocto");
    expect(md).not.toMatch(/working|Now:/i);
  });

  it("completed without changes: says why there is no pull request", () => {
    const view = baseView({ status: "completed", finishedAt: at(42), summary: "The file already exists." });
    const nothing: Event = {
      seq: 40,
      at: at(41),
      type: "push_complete",
      data: {
        branch: "understudy/12-add-a-greeting-file",
        sha: "9f3c2e1a7b",
        commitsAhead: 0,
        pushed: false,
      },
    };
    const md = renderStatusComment(view, [...upTo(AFTER.agentDone), nothing], nowAt(100));
    expect(md).toContain("ℹ️ The agent made no changes, so there is no pull request.");
    // Without a push report it does not guess that nothing changed.
    const unknown = renderStatusComment(view, upTo(AFTER.agentDone), nowAt(100));
    expect(unknown).toContain("ℹ️ No pull request was opened. ⚠️ Nothing was pushed");
  });
});

describe("describing steps", () => {
  const call = (seq: number, fields: Omit<ToolCall, "callId" | "status">): Event => ({
    seq,
    at: at(seq),
    type: "tool_call",
    data: { callId: `c${seq}`, status: "running", ...fields },
  });
  const result = (seq: number, isError = false): Event => ({
    seq: seq + 1000,
    at: at(seq),
    type: "tool_result",
    data: { callId: `c${seq}`, output: "ok", isError },
  });

  it("names each kind of step in words, whatever the agent called its tool", () => {
    const md = renderStatusComment(
      baseView(),
      [
        call(1, { kind: "read", name: "Read", path: "src/repo/date.ts" }),
        result(1),
        call(2, { kind: "edit", name: "Edit", path: "src/date.ts", added: 1, removed: 1 }),
        result(2, true),
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
    expect(md).toContain("- [x] `npm test -- --run …`");
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

  it("keeps hostile commands inside their code span and agent text out of the HTML", () => {
    const md = renderStatusComment(
      baseView({ task: "Fix it <!-- and hide everything after this\n<details><summary>x" }),
      [
        call(1, { kind: "shell", name: "Bash", command: "echo ``` <!-- `x` " }),
        result(1),
        call(2, {
          kind: "shell",
          name: "Bash",
          command: "ls",
          description: "List <b>files</b> **now** [x](javascript:alert(1))",
        }),
        {
          seq: 3,
          at: at(3),
          type: "assistant_text",
          data: { text: "Let me check <script>alert(1)</script> and ping @someone" },
        },
      ],
      nowAt(10),
    );
    expect(md).toContain("- [x] ```` echo ``` <!-- `x` ````");
    expect(md).toContain("> Fix it &lt;!-- and hide everything after this\n> &lt;details>&lt;summary>x");
    expect(md).toContain("List \\<b\\>files\\</b\\> \\*\\*now\\*\\* \\[x\\](javascript:alert(1))");
    expect(md).toContain("💭 Let me check &lt;script>alert(1)&lt;/script> and ping @\u200bsomeone");
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
});

describe("size", () => {
  it("a 2,000-step session stays under GitHub's 65,536-character limit and counts what it collapsed", () => {
    const long: Event[] = [];
    for (let i = 0; i < 2_000; i++) {
      long.push({
        seq: 2 * i + 1,
        at: at(i),
        type: "tool_call",
        data: {
          callId: `c${i}`,
          kind: "shell",
          name: "Bash",
          command: `${"x".repeat(5_000)} ${i}`,
          description: `Step ${i}: ${"é".repeat(300)}`,
          status: "running",
        },
      });
      if (i < 1_999) {
        long.push({
          seq: 2 * i + 2,
          at: at(i),
          type: "tool_result",
          data: { callId: `c${i}`, output: "", isError: false },
        });
      }
    }
    long.push({ seq: 9_999, at: at(2_000), type: "assistant_text", data: { text: "y".repeat(100_000) } });
    const view = baseView({ task: "<".repeat(100_000), summary: "<".repeat(100_000) });

    const running = renderStatusComment(view, long, nowAt(2_001));
    expect(running.length).toBeLessThanOrEqual(65_536);
    expect(running).toContain("**Now:** Step 1999");
    expect(running).toMatch(/_… and [\d,]+ steps earlier, in the \[transcript\]/);

    const done = renderStatusComment(
      { ...view, status: "completed", finishedAt: at(2_001) },
      long,
      nowAt(2_002),
    );
    expect(done.length).toBeLessThanOrEqual(65_536);
    expect(done).toContain("What I did (2,000 steps)");
    expect(done).toContain("<!-- understudy:session:ses_01JD8Z4K7Q -->");
  });
});

describe("long sessions", () => {
  it("keeps the newest 200 earlier steps collapsed and counts the rest", () => {
    const many: Event[] = [];
    for (let i = 0; i < 2_000; i++) {
      many.push({
        seq: i + 1,
        at: at(i),
        type: "tool_call",
        data: { callId: `c${i}`, kind: "read", name: "Read", path: `f${i}.ts`, status: "completed" },
      });
    }
    const md = renderStatusComment(baseView(), many, nowAt(2_001));
    expect(md).toContain("<details><summary>Earlier steps (1,992)</summary>");
    expect(md).toContain("_… and 1,792 steps earlier, in the [transcript](");
    expect(md).not.toContain("`f1791.ts`");
    expect(md).toContain("- [x] Read `f1792.ts`");
    expect(md).toContain("- [x] Read `f1999.ts`");
  });
});

describe("runs", () => {
  it("a follow-up run shows the events it is given, told apart by run number and not by clock", () => {
    const view = baseView({ run: 2, runStartedAt: at(1_000), branchUrl: BRANCH_URL, pr: PR });
    // The store hands over run 2's events only. The sandbox's clock runs 10 minutes behind the
    // control plane's here: its events still belong to the run they were stored under.
    const second: Event[] = [
      {
        seq: 100,
        at: at(400),
        type: "tool_call",
        data: { callId: "r2", kind: "read", name: "Read", path: "HELLO.md", status: "running" },
      },
      {
        seq: 101,
        at: at(401),
        type: "step_finish",
        data: { tokens: { input: 900, output: 10 }, costUsd: 0.004 },
      },
    ];
    const md = renderStatusComment(view, second, nowAt(1_020));
    expect(md.split("\n")[0]).toBe("### 🛠️ Working… · 20s");
    expect(md).not.toContain("HELLO.md` with a greeting");
    expect(md).toContain("- [ ] **Now:** Reading `HELLO.md`");
    expect(md).toContain("<sub>Run 2 · 910 tokens · <$0.01</sub>");
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
      "### ⏹️ Stopped · 1m 12s

      > Create \`HELLO.md\` with a short greeting, then check \`git status\`.

      Stopped by @​alice

      🧹 The stop cleared 2 queued requests: they will not run.

      ⚠️ Nothing was pushed: no changes from this run were saved.

      - [x] Wrote \`HELLO.md\`
      - [ ] Show changed files — _did not finish_

      🔗 [Full transcript](https://understudy.example.com/sessions/ses_01JD8Z4K7Q?sig=abc123)

      <sub>1.3k tokens · $0.01</sub>

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
    expect(stopping.split("\n")[0]).toBe("### ⏹️ Stopping, saving the work so far… · 1m 00s");
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
