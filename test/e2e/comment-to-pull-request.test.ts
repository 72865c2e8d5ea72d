/**
 * The walking skeleton end to end: a signed issue_comment webhook → SessionDO in workerd → local
 * sandbox → real Claude Code CLI against the scripted model → branch pushed over git HTTP → PR opened
 * on the GitHub stand-in, with one status comment created once and then only edited.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../../src/demo/start-stack.js";
import { waitFor } from "../../src/demo/wait-for.js";

describe("comment to pull request", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("runs the agent, pushes the branch, opens the PR and reports in one status comment", async () => {
    const { github, owner, repo, issueNumber } = stack;
    const { response, commentId } = await stack.comment(
      "@understudy add a CONTRIBUTING.md that explains how to run the tests",
    );
    expect(response.status).toBe(202);

    const pr = await waitFor("the pull request", () => github.state.pulls[0]);
    const prUrl = `${github.url}/${owner}/${repo}/pull/${pr.number}`;
    const botComments = () => github.state.comments.filter((c) => c.user === github.app.botLogin);
    const final = await waitFor("the final status comment", () => {
      const c = botComments()[0];
      return c?.body.includes(prUrl) && c.body.includes("/sessions/") ? c : undefined;
    });

    // Exactly one reaction, 👀, on the triggering comment.
    const reactions = github.state.reactions.filter((r) => r.commentId === commentId);
    expect(reactions.map((r) => r.content)).toEqual(["eyes"]);

    // Exactly one status comment: created once, then only edited.
    expect(botComments()).toHaveLength(1);
    const createdComments = github.log.filter(
      (l) => l.method === "POST" && /\/issues\/\d+\/comments$/.test(l.path),
    );
    expect(createdComments).toHaveLength(1);
    const edits = github.log.filter(
      (l) => l.method === "PATCH" && l.path.endsWith(`/issues/comments/${final.id}`),
    );
    expect(edits.length).toBeGreaterThanOrEqual(1);
    expect(final.body).not.toMatch(/working/i);
    expect(final.body).toContain(prUrl);
    const transcriptUrl = final.body.match(
      /\((http:\/\/127\.0\.0\.1:\d+\/sessions\/[0-9a-f]{64}\?token=[^)\s]+)\)/,
    )?.[1];
    expect(transcriptUrl).toBeDefined();

    // The PR: head is the session branch, base the default branch, body closes the issue.
    expect(pr.head).toBe(`understudy/${issueNumber}-document-how-to-run-the-tests`);
    expect(pr.base).toBe("main");
    expect(pr.body).toContain(`Closes #${issueNumber}`);
    expect(pr.title).toBe("Add CONTRIBUTING.md with instructions for running the tests");

    // The bare remote's session branch holds the file the agent wrote, crediting the requester.
    const contributing = await github.git(owner, repo, "show", `${pr.head}:CONTRIBUTING.md`);
    expect(contributing).toContain("npm test");
    const message = await github.git(owner, repo, "log", "-1", "--format=%B", pr.head);
    expect(message).toMatch(/Co-authored-by: octocat <\d+\+octocat@users\.noreply\.github\.com>/);
    const author = await github.git(owner, repo, "log", "-1", "--format=%an", pr.head);
    expect(author).toBe("understudy[bot]");

    // The transcript page shows every tool call of the run.
    const page = await fetch(transcriptUrl!);
    expect(page.status).toBe(200);
    const html = await page.text();
    // The scripted model made three tool calls: Bash (look around), Write, Bash (git status).
    expect(html).toContain("ls -a &amp;&amp; cat package.json");
    expect(html).toContain("CONTRIBUTING.md");
    expect(html).toContain("git status --short");

    // The link is the capability: any other token gets the same 404 as an unknown session.
    const forged = transcriptUrl!.replace(/token=.*/, "token=AAAA");
    expect((await fetch(forged)).status).toBe(404);

    // The agent never saw a GitHub credential, and nothing undocumented was asked of GitHub.
    for (const r of stack.model.requests) expect(JSON.stringify(r.body ?? "")).not.toMatch(/ghs_/);
    expect(github.unhandled).toEqual([]);
    expect(github.undocumented).toEqual([]);
    expect(stack.model.unexpected).toEqual([]);
  });
});
