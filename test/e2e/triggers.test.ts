/**
 * Every way of asking, on the real stack (signed webhooks built from @octokit/webhooks-examples →
 * the Worker → SessionDO → sandbox → Claude Code against the scripted model → the GitHub stand-in):
 * a new issue that calls the bot, the trigger label, a review comment on the diff (answered in its
 * thread), a review summary, `/understudy help` on a pull request, flags reaching the run, the
 * commands, and the refusals (someone without write access once per thread, bots, the App itself,
 * edits and deletions, an invalid config file).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reviewStateOf } from "../../src/demo/github/review-state.js";
import { seedPull } from "../../src/demo/github/seed-pull.js";
import { seedReview, seedReviewComment } from "../../src/demo/github/seed-review.js";
import type { WebhookPayloadKind, WebhookPayloadParams } from "../../src/demo/github/webhook-payload.js";
import { REPO_FILES, type Stack, startStack } from "../../src/demo/start-stack.js";
import { waitFor } from "../../src/demo/wait-for.js";
import { deliverWebhook } from "../../src/demo/webhook.js";

const RUN_MS = 120_000;
const isFinal = (body: string | undefined) => /^### (✅|❌)/mu.test(body ?? "");

describe("triggers", { timeout: 180_000 }, () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ commentIntervalMs: 200 });
    const { github, owner } = stack;
    const installationId = github.state.installations[0]!.id;
    await github.createRepo({
      owner,
      name: "broken-config",
      installationId,
      files: { ...REPO_FILES, ".github/understudy.yml": "time_limit_minutes: ten\nmodel: claude-opus-4-1\n" },
    });
    github.setPermission(owner, "broken-config", "monalisa", "write");
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** Builds the payload of `kind` in the stand-in and delivers it, signed, through the Worker. */
  async function deliver(
    kind: WebhookPayloadKind,
    params: Omit<WebhookPayloadParams, "owner" | "repo"> & { repo?: string },
    id?: string,
  ) {
    const payload = stack.github.webhookPayload(kind, { owner: stack.owner, repo: stack.repo, ...params });
    const response = await deliverWebhook(`${stack.controlPlane.url}/api/github/webhooks`, {
      name: kind.split(".")[0]!,
      ...(id ? { id } : {}),
      payload,
      secret: stack.webhookSecret,
    });
    return { response, json: (await response.json()) as Record<string, unknown> };
  }

  const botCommentsOn = (issueNumber: number, repo = stack.repo) =>
    stack.github.state.comments.filter(
      (c) => c.repo === repo && c.issueNumber === issueNumber && c.user === stack.github.app.botLogin,
    );
  const eyesOn = (id: number) =>
    stack.github.state.reactions.filter((r) => r.commentId === id && r.content === "eyes");
  const openPull = (head: string) =>
    seedPull(stack.github, {
      owner: stack.owner,
      repo: stack.repo,
      head,
      title: "Greet by name",
      body: "Adds a greeting.",
      user: "monalisa",
      files: { "src/hello.js": "export const hello = () => 'hello';\n" },
    });

  it("runs a new issue whose description calls it, and opens a pull request", async () => {
    const { github, owner, repo } = stack;
    const issue = github.createIssue({
      owner,
      repo,
      title: "Contributor docs",
      body: "@understudy add a CONTRIBUTING.md that explains how to run the tests",
      user: "monalisa",
    });
    const { response } = await deliver("issues.opened", { issueNumber: issue.number });
    expect(response.status).toBe(202);
    await waitFor("👀 on the issue", () => eyesOn(issue.id).length === 1);
    const final = await waitFor(
      "the final status comment",
      () => botCommentsOn(issue.number).find((c) => isFinal(c.body)),
      RUN_MS,
    );
    expect(final.body).toMatch(/^### ✅/mu);
    const pr = github.state.pulls.find((p) => p.head.startsWith(`understudy/${issue.number}-`));
    expect(pr?.body).toContain(`Closes #${issue.number}`);
    expect(github.unhandled).toEqual([]);
    expect(github.undocumented).toEqual([]);
  });

  it("runs an issue when the trigger label is added: the issue is the task, the labeller asks", async () => {
    const { github, owner, repo } = stack;
    const issue = github.createIssue({
      owner,
      repo,
      title: "Explain how to run the tests",
      body: "New contributors keep asking.",
      user: "stranger",
    });
    const other = await deliver("issues.labeled", {
      issueNumber: issue.number,
      label: "documentation",
      sender: "monalisa",
    });
    expect(other.response.status).toBe(202);
    const { response } = await deliver("issues.labeled", {
      issueNumber: issue.number,
      label: "understudy",
      sender: "monalisa",
    });
    expect(response.status).toBe(202);
    const final = await waitFor(
      "the final status comment",
      () => botCommentsOn(issue.number).find((c) => isFinal(c.body)),
      RUN_MS,
    );
    expect(final.body).toMatch(/^### ✅/mu);
    // The labeller asked; the issue was the task.
    const asked = stack.model.requests.find((r) =>
      JSON.stringify(r.body).includes(`Resolve #${issue.number}: Explain how to run the tests`),
    );
    expect(asked).toBeDefined();
    expect(JSON.stringify(asked!.body)).toContain("New contributors keep asking.");
    expect(botCommentsOn(issue.number)).toHaveLength(1);
  });

  it("answers a review comment in its review thread, working on the pull request's own branch", async () => {
    const { github, owner, repo } = stack;
    const pr = await openPull("greet-by-name");
    const head = await github.git(owner, repo, "rev-parse", pr.head);
    const root = await seedReviewComment(github, {
      owner,
      repo,
      pullNumber: pr.number,
      path: "src/hello.js",
      line: 1,
      diffHunk: "@@ -0,0 +1 @@\n+export const hello = () => 'hello';",
      body: "@understudy add a CONTRIBUTING.md that explains how to run the tests",
      user: "monalisa",
    });
    const { response } = await deliver("pull_request_review_comment.created", {
      issueNumber: pr.number,
      commentId: root.id,
    });
    expect(response.status).toBe(202);
    await waitFor("👀 on the review comment", () => eyesOn(root.id).length === 1);
    const inThread = () =>
      reviewStateOf(github.state).comments.filter(
        (c) => c.inReplyTo === root.id && c.user === github.app.botLogin,
      );
    const final = await waitFor(
      "the final status comment in the thread",
      () => inThread().find((c) => isFinal(c.body)),
      RUN_MS,
    );
    expect(final.body).toMatch(/^### ✅/mu);
    // One status comment, in the thread and nowhere else; the work is on the PR's branch, after its head.
    expect(inThread()).toHaveLength(1);
    expect(botCommentsOn(pr.number)).toEqual([]);
    const log = await github.git(owner, repo, "log", "--format=%H", `${head}..${pr.head}`);
    expect(log.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(1);
    // The agent was told where the comment is.
    expect(stack.model.requests.some((r) => JSON.stringify(r.body).includes("`src/hello.js` line 1"))).toBe(
      true,
    );
  });

  it("passes flags to the run: the model the agent asks for, and a draft pull request", async () => {
    const { github } = stack;
    const issue = stack.createIssue("Docs as a draft");
    const { response } = await stack.comment(
      "@understudy --model claude-stand-in-flagged add a CONTRIBUTING.md that explains how to run the tests --draft",
      { issueNumber: issue, user: "monalisa" },
    );
    expect(response.status).toBe(202);
    await waitFor(
      "the final status comment",
      () => botCommentsOn(issue).find((c) => isFinal(c.body)),
      RUN_MS,
    );
    const ofRun = stack.model.requests.filter((r) =>
      JSON.stringify(r.body).includes(`comment on issue #${issue}:`),
    );
    expect(ofRun.length).toBeGreaterThan(0);
    expect(ofRun.map((r) => (r.body as { model?: string }).model)).toContain("claude-stand-in-flagged");
    // The flags are options, not part of the instruction.
    expect(ofRun.some((r) => JSON.stringify(r.body).includes("--model"))).toBe(false);
    const pr = github.state.pulls.find((p) => p.head.startsWith(`understudy/${issue}-`));
    expect(pr?.draft).toBe(true);
  });

  it("answers `/understudy help` on a pull request with the help text", async () => {
    const pr = await openPull("help-me");
    const { response, commentId } = await stack.comment("/understudy help", {
      issueNumber: pr.number,
      user: "monalisa",
    });
    expect(response.status).toBe(202);
    const reply = await waitFor("the help reply", () => botCommentsOn(pr.number)[0]);
    expect(reply.body).toContain("**Commands**");
    expect(reply.body).toContain("`--draft`");
    expect(reply.body).toContain("`.github/understudy.yml`");
    expect(eyesOn(commentId)).toHaveLength(1);
  });

  it("answers an unknown command or flag with the help text and the reason, and runs nothing", async () => {
    const issue = stack.createIssue("Unknown words");
    const sandboxes = stack.host.sandboxes.size;
    await stack.comment("/understudy frobnicate", { issueNumber: issue, user: "monalisa" });
    await stack.comment("@understudy fix it --fast", { issueNumber: issue, user: "monalisa" });
    await waitFor("two help replies", () => botCommentsOn(issue).length === 2);
    const [a, b] = botCommentsOn(issue);
    expect(a!.body.startsWith("`frobnicate` is not a command.")).toBe(true);
    expect(b!.body.startsWith("`--fast` is not a flag I know.")).toBe(true);
    expect(stack.host.sandboxes.size).toBe(sandboxes);
  });

  it("answers status, stop and retry on a thread where nothing ran", async () => {
    const issue = stack.createIssue("Commands");
    await stack.comment("@understudy status", { issueNumber: issue, user: "monalisa" });
    await waitFor("the status reply", () =>
      botCommentsOn(issue).some((c) => /Nothing has run here yet/.test(c.body)),
    );
    await stack.comment("@understudy stop", { issueNumber: issue, user: "monalisa" });
    await waitFor("the stop reply", () =>
      botCommentsOn(issue).some((c) => /Nothing is running/.test(c.body)),
    );
    await stack.comment("/understudy retry", { issueNumber: issue, user: "monalisa" });
    await waitFor("the retry reply", () =>
      botCommentsOn(issue).some((c) => /no earlier request here to retry/.test(c.body)),
    );
  });

  it("starts a session from a review summary that calls it", async () => {
    const { github, owner, repo } = stack;
    const pr = await openPull("reviewed");
    const review = await seedReview(github, {
      owner,
      repo,
      pullNumber: pr.number,
      body: "Looks fine. @understudy status",
      user: "monalisa",
    });
    const { response } = await deliver("pull_request_review.submitted", {
      issueNumber: pr.number,
      reviewId: review.id,
    });
    expect(response.status).toBe(202);
    await waitFor("the status reply", () =>
      botCommentsOn(pr.number).some((c) => /Nothing has run here yet/.test(c.body)),
    );
  });

  it("answers someone without write access once per thread, and runs nothing", async () => {
    const issue = stack.createIssue("Strangers");
    const sandboxes = stack.host.sandboxes.size;
    const first = await stack.comment("@understudy delete the tests", {
      issueNumber: issue,
      user: "stranger",
    });
    expect(first.response.status).toBe(202);
    await waitFor("the polite reply", () => botCommentsOn(issue).length === 1);
    const second = await stack.comment("@understudy please", { issueNumber: issue, user: "stranger" });
    await stack.comment("/understudy help", { issueNumber: issue, user: "monalisa" });
    // The writer's help is answered after the stranger's second comment was handled (one inbox, in order).
    await waitFor("the help reply", () => botCommentsOn(issue).some((c) => c.body.includes("**Commands**")));
    expect(
      botCommentsOn(issue).filter((c) => /write access/.test(c.body) && c.body.includes("@stranger")),
    ).toHaveLength(1);
    expect(eyesOn(first.commentId)).toEqual([]);
    expect(eyesOn(second.commentId)).toEqual([]);
    expect(stack.host.sandboxes.size).toBe(sandboxes);
  });

  it("never answers a bot or itself, and ignores edits and deletions", async () => {
    const { github, owner, repo } = stack;
    const issue = stack.createIssue("Noise");
    const writesFrom = github.log.length;
    const fromBot = await stack.comment("@understudy bump everything", {
      issueNumber: issue,
      user: "helper-bot[bot]",
    });
    // A bot's call goes to the session, which reads the config (allowed_bots) and stays silent.
    expect(fromBot.response.status).toBe(202);
    const own = await stack.comment("@understudy add a CONTRIBUTING.md", {
      issueNumber: issue,
      user: github.app.botLogin,
    });
    expect(own.response.status).toBe(200);
    expect(await own.response.json()).toMatchObject({ ignored: "the App's own comments never trigger" });

    const comment = github.createIssueComment({
      owner,
      repo,
      issueNumber: issue,
      body: "typo",
      user: "monalisa",
    });
    comment.body = "@understudy add a CONTRIBUTING.md";
    comment.history.push({ body: comment.body, at: Date.now() });
    const edited = await deliver("issue_comment.edited", { issueNumber: issue, commentId: comment.id });
    expect(edited.json).toMatchObject({ ignored: "comment edited, only new comments trigger" });
    const deleted = await deliver("issue_comment.deleted", { issueNumber: issue, commentId: comment.id });
    expect(deleted.json).toMatchObject({ ignored: "comment deleted, only new comments trigger" });

    // Give the bot's delivery every chance to show itself: the session reads (an installation token,
    // the App's slug, the config), never writes.
    await new Promise((r) => setTimeout(r, 1_000));
    const writes = github.log
      .slice(writesFrom)
      .filter(
        (l) => l.path.startsWith("/api/v3") && l.method !== "GET" && !l.path.endsWith("/access_tokens"),
      );
    expect(writes).toEqual([]);
    expect(botCommentsOn(issue).filter((c) => c.id !== own.commentId)).toEqual([]);
  });

  it("answers an invalid config file with one comment saying what is wrong where, and runs nothing", async () => {
    const { github, owner } = stack;
    const repo = "broken-config";
    const issue = github.createIssue({ owner, repo, title: "Anything", user: owner });
    const sandboxes = stack.host.sandboxes.size;
    const comment = github.createIssueComment({
      owner,
      repo,
      issueNumber: issue.number,
      body: "@understudy add docs",
      user: "monalisa",
    });
    const { response } = await deliver("issue_comment.created", {
      repo,
      issueNumber: issue.number,
      commentId: comment.id,
    });
    expect(response.status).toBe(202);
    const reply = await waitFor("the config reply", () => botCommentsOn(issue.number, repo)[0]);
    expect(reply.body).toContain("`.github/understudy.yml`");
    expect(reply.body).toMatch(/- `time_limit_minutes`: must be a whole number of minutes/);
    await new Promise((r) => setTimeout(r, 500));
    expect(botCommentsOn(issue.number, repo)).toHaveLength(1);
    expect(stack.host.sandboxes.size).toBe(sandboxes);
    expect(github.unhandled).toEqual([]);
    expect(github.undocumented).toEqual([]);
  });
});
