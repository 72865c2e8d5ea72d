import { Marked, type Token } from "marked";
import { describe, expect, it } from "vitest";
import { AFTER, at, BRANCH_URL, baseView, events, PR, upTo } from "../../test/support/session-scenario.js";
import { formatDuration, renderStatusComment } from "./render-status-comment.js";
import type { Event } from "./wire.js";

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

      - [x] Created \`HELLO.md\`
      - [ ] **Now:** Show changed files

      💭 I will create HELLO.md.

      🔗 [Full transcript](https://understudy.example.com/sessions/ses_01JD8Z4K7Q?sig=abc123)

      <sub>1.3k tokens · $0.01</sub>

      <!-- understudy:session:ses_01JD8Z4K7Q -->"
    `);
    expect(md.split("\n")[0]).toBe("### 🛠️ Working… · 1m 05s");
    expect(md).toContain("- [x] Created `HELLO.md`");
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

      - [x] Created \`HELLO.md\`
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

      - [x] Created \`HELLO.md\`
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

      - [x] Created \`HELLO.md\`
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

      - [x] Created \`HELLO.md\`
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
  const call = (seq: number, tool: string, input: unknown): Event => ({
    seq,
    at: at(seq),
    type: "tool_call",
    data: { callId: `c${seq}`, tool, input, status: "running" },
  });
  const result = (seq: number, isError = false): Event => ({
    seq: seq + 1000,
    at: at(seq),
    type: "tool_result",
    data: { callId: `c${seq}`, output: "ok", isError },
  });

  it("names each tool in words and shows paths relative to the checkout", () => {
    const md = renderStatusComment(
      baseView(),
      [
        call(1, "Read", { file_path: "/workspace/repo/src/repo/date.ts" }),
        result(1),
        call(2, "Edit", { file_path: "/workspace/repo/src/date.ts", old_string: "a", new_string: "b" }),
        result(2, true),
        call(3, "Bash", { command: "npm test -- --run\nnpm run lint" }),
        result(3),
        call(4, "Grep", { pattern: "parseDate" }),
        result(4),
        call(5, "mcp__linear__create_issue", {}),
      ],
      nowAt(10),
    );
    expect(md).toContain("- [x] Read `src/repo/date.ts`");
    expect(md).toContain("- [ ] ❌ Edit `src/date.ts`");
    expect(md).toContain("- [x] `npm test -- --run …`");
    expect(md).toContain("- [x] Searched for `parseDate`");
    expect(md).toContain("- [ ] **Now:** mcp\\_\\_linear\\_\\_create\\_issue");
  });

  it("keeps hostile commands inside their code span and agent text out of the HTML", () => {
    const md = renderStatusComment(
      baseView({ task: "Fix it <!-- and hide everything after this\n<details><summary>x" }),
      [
        call(1, "Bash", { command: "echo ``` <!-- `x` " }),
        result(1),
        call(2, "Bash", { command: "ls", description: "List <b>files</b> **now** [x](javascript:alert(1))" }),
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
          tool: "Bash",
          input: { command: `${"x".repeat(5_000)} ${i}`, description: `Step ${i}: ${"é".repeat(300)}` },
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
        data: {
          callId: `c${i}`,
          tool: "Read",
          input: { file_path: `/workspace/repo/f${i}.ts` },
          status: "completed",
        },
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
  it("a follow-up run shows only its own steps and numbers itself", () => {
    const view = baseView({ run: 2, runStartedAt: at(1_000), branchUrl: BRANCH_URL, pr: PR });
    const second: Event[] = [
      ...events(),
      {
        seq: 100,
        at: at(1_010),
        type: "tool_call",
        data: {
          callId: "r2",
          tool: "Read",
          input: { file_path: "/workspace/repo/HELLO.md" },
          status: "running",
        },
      },
      {
        seq: 101,
        at: at(1_011),
        type: "step_finish",
        data: { tokens: { input: 900, output: 10 }, costUsd: 0.004 },
      },
    ];
    const md = renderStatusComment(view, second, nowAt(1_020));
    expect(md).not.toContain("Created `HELLO.md`");
    expect(md).toContain("- [ ] **Now:** Reading `HELLO.md`");
    expect(md).toContain("<sub>Run 2 · 910 tokens · <$0.01</sub>");
  });
});
