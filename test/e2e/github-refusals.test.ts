/**
 * GitHub refusing for a while (5xx, secondary rate limits, a deleted comment) delays what the bot
 * writes, and never loses it: the final status comment lands, the pull request is opened.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secondaryRateLimit } from "../../src/demo/github/injected-fault.js";
import { type Stack, startStack } from "../../src/demo/start-stack.js";
import { waitFor } from "../../src/demo/wait-for.js";

describe("GitHub refusals", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const TASK = "@understudy add a CONTRIBUTING.md that explains how to run the tests";
  const botCommentsOn = (issueNumber: number) =>
    stack.github.state.comments.filter(
      (c) => c.user === stack.github.app.botLogin && c.issueNumber === issueNumber,
    );
  const prOf = (issueNumber: number) =>
    stack.github.state.pulls.find((p) => p.head.startsWith(`understudy/${issueNumber}-`));
  const prUrl = (n: number) => `${stack.github.url}/${stack.owner}/${stack.repo}/pull/${n}`;
  const refused = (method: string, path: RegExp) =>
    stack.github.log.filter(
      (l) =>
        l.method === method &&
        path.test(l.path.replace(/^\/api\/v3/, "")) &&
        (l.status === 403 || l.status >= 500),
    );

  /** Waits for the run's one status comment to be final and to link its PR. */
  async function finalWithPr(issueNumber: number) {
    const pr = await waitFor(`the PR for #${issueNumber}`, () => prOf(issueNumber), 90_000);
    const comment = await waitFor(
      `the final comment on #${issueNumber} linking the PR`,
      () =>
        botCommentsOn(issueNumber).find(
          (c) => /^### ✅ Done/mu.test(c.body) && c.body.includes(prUrl(pr.number)),
        ),
      90_000,
    );
    expect(botCommentsOn(issueNumber)).toHaveLength(1);
    return { pr, comment };
  }

  it("lands the final status comment through a run of secondary rate limits on its edit", async () => {
    const issueNumber = stack.createIssue("Rate-limited final edit");
    const edits = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/\d+$/;
    // From the moment the PR exists, the next six edits are refused: more than the in-place retries
    // cover, so the session's alarm has to carry the final one.
    const arm = () => stack.github.injectFault(secondaryRateLimit("PATCH", edits, 6));
    stack.github.events.once("pull_created", arm);
    await stack.comment(TASK, { issueNumber });
    const { comment } = await finalWithPr(issueNumber);
    expect(refused("PATCH", edits).length).toBeGreaterThanOrEqual(6);
    expect(comment.body).not.toMatch(/Working…|Pushing & opening PR/);
  }, 120_000);

  it("opens the pull request through a secondary rate limit and a run of 502s on POST /pulls", async () => {
    const issueNumber = stack.createIssue("Rate-limited pull request");
    const pulls = /^\/repos\/[^/]+\/[^/]+\/pulls$/;
    stack.github.injectFault(secondaryRateLimit("POST", pulls, 1));
    stack.github.injectFault({ method: "POST", path: pulls, times: 5, status: 502, message: "Server Error" });
    await stack.comment(TASK, { issueNumber });
    const { pr } = await finalWithPr(issueNumber);
    expect(refused("POST", pulls)).toHaveLength(6);
    expect(stack.github.state.pulls.filter((p) => p.head === pr.head)).toHaveLength(1);
  }, 120_000);

  it("posts exactly one status comment when creating it first fails with 502s", async () => {
    const issueNumber = stack.createIssue("Flaky comment creation");
    const creates = new RegExp(`^/repos/[^/]+/[^/]+/issues/${issueNumber}/comments$`);
    stack.github.injectFault({
      method: "POST",
      path: creates,
      times: 5,
      status: 502,
      message: "Server Error",
    });
    await stack.comment(TASK, { issueNumber });
    await finalWithPr(issueNumber);
    expect(refused("POST", creates)).toHaveLength(5);
  }, 120_000);

  it("recreates a status comment someone deleted, once", async () => {
    const issueNumber = stack.createIssue("Deleted status comment");
    const deleteFirst = (c: { user: string; issueNumber: number }) => {
      if (c.user !== stack.github.app.botLogin || c.issueNumber !== issueNumber) return;
      stack.github.events.off("comment_created", deleteFirst);
      // Deleted while the run goes on: the next edit gets GitHub's 404.
      const i = stack.github.state.comments.indexOf(c as (typeof stack.github.state.comments)[number]);
      if (i >= 0) stack.github.state.comments.splice(i, 1);
    };
    stack.github.events.on("comment_created", deleteFirst);
    await stack.comment(TASK, { issueNumber });
    const { comment } = await finalWithPr(issueNumber);
    const creates = stack.github.log.filter(
      (l) => l.method === "POST" && l.path.endsWith(`/issues/${issueNumber}/comments`) && l.status === 201,
    );
    expect(creates).toHaveLength(2);
    expect(comment.id).toBe(botCommentsOn(issueNumber)[0]?.id);
  }, 120_000);

  it("handles a delivery from the session's alarm when GitHub refuses longer than in-place retries last", async () => {
    const issueNumber = stack.createIssue("Permission check refused for a while");
    const permission = /\/collaborators\/[^/]+\/permission$/;
    // Six refusals: more than the four in-place attempts, so the inbox retries from the alarm.
    stack.github.injectFault({
      method: "GET",
      path: permission,
      times: 6,
      status: 502,
      message: "Server Error",
    });
    await stack.comment(TASK, { issueNumber });
    await finalWithPr(issueNumber);
    expect(refused("GET", permission)).toHaveLength(6);
  }, 120_000);

  it("drops a delivery GitHub answers with a refusal that a retry cannot change, says so once, and does not try again", async () => {
    const issueNumber = stack.createIssue("Reaction refused");
    const reactions = /\/issues\/comments\/\d+\/reactions$/;
    stack.github.injectFault({
      method: "POST",
      path: reactions,
      times: 1,
      status: 422,
      message: "Validation Failed",
    });
    const { commentId } = await stack.comment(TASK, { issueNumber });
    await waitFor("the refused reaction", () =>
      stack.github.log.some(
        (l) => l.method === "POST" && l.path.endsWith(`/comments/${commentId}/reactions`),
      ),
    );
    await new Promise((r) => setTimeout(r, 2_500));
    const attempts = stack.github.log.filter(
      (l) => l.method === "POST" && l.path.endsWith(`/comments/${commentId}/reactions`),
    );
    expect(attempts.map((l) => l.status)).toEqual([422]);
    // Not tried again, and not silent: one answer says why nothing started.
    const answers = botCommentsOn(issueNumber);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.body).toMatch(/I could not start on this: GitHub answered 422/);
  });
});
