import { describe, expect, it } from "vitest";
import { AFTER, at, BRANCH_URL, baseView, events, PR, upTo } from "../../test/support/session-scenario.js";
import { renderStatusComment } from "../core/render-status-comment.js";
import { renderTerminalMarkdown } from "./render-terminal-markdown.js";

const completed = renderStatusComment(
  baseView({
    status: "completed",
    finishedAt: at(53),
    branchUrl: BRANCH_URL,
    pr: PR,
    summary: "Created `HELLO.md` with a short greeting. `git status` shows it as the only new file.",
  }),
  events(),
  new Date(at(600)),
);

describe("renderTerminalMarkdown", () => {
  it("renders a completed status comment as plain text", () => {
    expect(renderTerminalMarkdown(completed)).toMatchInlineSnapshot(`
      "  ✅ Done

        Asked by octocat <https://github.com/octocat> · started 02:14 UTC · took 53s

        │ Create \`HELLO.md\` with a short greeting, then check \`git status\`.

        Created \`HELLO.md\` with a short greeting. \`git status\` shows it as the only new file.

        ▸ What I did (2 steps)

        ✔ Wrote \`HELLO.md\`
        ✔ Show changed files

        🔗 Pull request #13 <https://github.com/acme/widgets/pull/13> · Branch \`understudy/12-add-a-greeting-file\` <https://github.com/acme/widgets/tree/understudy/12-add-a-greeting-file> · Compare with \`main\` <https://github.com/acme/widgets/compare/main...understudy/12-add-a-greeting-file> · Full transcript <https://understudy.example.com/sessions/ses_01JD8Z4K7Q?sig=abc123>

        2 turns · 2.9k tokens · $0.03"
    `);
  });

  it("renders a running status comment with the current step", () => {
    const md = renderStatusComment(baseView(), upTo(AFTER.bashRunning), new Date(at(65)));
    const out = renderTerminalMarkdown(md);
    expect(out).toMatchInlineSnapshot(`
      "  🛠️ Working…

        Asked by octocat <https://github.com/octocat> · started 02:14 UTC · 1m 05s ago at last update

        │ Create \`HELLO.md\` with a short greeting, then check \`git status\`.

        ✔ Wrote \`HELLO.md\`
        ○ Now: Show changed files

        💭 I will create HELLO.md.

        🔗 Full transcript <https://understudy.example.com/sessions/ses_01JD8Z4K7Q?sig=abc123>

        1 turn · 1.3k tokens · $0.01"
    `);
    expect(out).toContain("  ✔ Wrote `HELLO.md`\n  ○ Now: Show changed files");
  });

  it("shows what is queued and who stopped a run as plain lines, mentions readable again", () => {
    const queued = renderStatusComment(
      baseView({ queue: [{ author: "alice", text: "add tests" }] }),
      upTo(AFTER.bashRunning),
      new Date(at(65)),
    );
    expect(renderTerminalMarkdown(queued)).toContain("  ⏭️ Queued next: 1 request — @alice: add tests\n");
    const stopped = renderStatusComment(
      baseView({ status: "cancelled", finishedAt: at(70), stoppedBy: "alice", queueCleared: 2 }),
      upTo(AFTER.bashRunning),
      new Date(at(80)),
    );
    expect(renderTerminalMarkdown(stopped)).toContain(
      "  Stopped by @alice\n\n  🧹 The stop cleared 2 queued requests: they will not run.",
    );
  });

  it("drops HTML comments and indents every non-empty line by two spaces", () => {
    const out = renderTerminalMarkdown(completed);
    expect(out).not.toContain("<!--");
    expect(out).not.toContain("understudy:session");
    for (const line of out.split("\n")) if (line !== "") expect(line).toMatch(/^ {2}\S/);
  });

  it("shows failed steps with ✖, links as text <url>, quotes behind a bar", () => {
    const out = renderTerminalMarkdown(
      "> fix the **date** test\n> second line\n\n- [x] done\n- [ ] ❌ Edit `a.ts`\n- [ ] pending\n\nSee [the PR](https://x.example/1) or https://y.example",
    );
    expect(out).toBe(
      [
        "  │ fix the date test",
        "  │ second line",
        "",
        "  ✔ done",
        "  ✖ Edit `a.ts`",
        "  ○ pending",
        "",
        "  See the PR <https://x.example/1> or https://y.example",
      ].join("\n"),
    );
  });

  it("colours only when asked, and strips escape sequences that came in the text", () => {
    const md = "### Done\n\n- [x] ok\n- [ ] ❌ bad\n\nhi \u001b]0;pwned\u0007 there";
    const plain = renderTerminalMarkdown(md);
    expect(plain).not.toContain("\u001b");
    expect(plain).toContain("hi ]0;pwned there");
    const colored = renderTerminalMarkdown(md, { color: true });
    expect(colored).toContain("\u001b[1mDone\u001b[22m");
    expect(colored).toContain("\u001b[32m✔\u001b[39m ok");
    expect(colored).toContain("\u001b[31m✖\u001b[39m bad");
    expect(colored).not.toContain("\u001b]0;");
  });

  it("decodes the entities the status comment uses to escape user text", () => {
    expect(renderTerminalMarkdown("> Fix &lt;!-- this and ping @\u200bsomeone \\*now\\*")).toBe(
      "  │ Fix <!-- this and ping @someone *now*",
    );
  });
});
