import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedPull } from "./seed-pull.js";
import { seedReview, seedReviewComment } from "./seed-review.js";
import { type GitHubStandIn, startGitHubStandIn } from "./start-github-stand-in.js";

const examples = createRequire(import.meta.url)("@octokit/webhooks-examples") as Array<{
  name: string;
  examples: Array<Record<string, Record<string, unknown>>>;
}>;
const example = examples
  .find((d) => d.name === "issue_comment")!
  .examples.find((e) => (e.action as unknown) === "created" && !("organization" in e))!;

let gh: GitHubStandIn;
let installationId: number;

beforeAll(async () => {
  gh = await startGitHubStandIn();
  installationId = gh.createInstallation({ account: "octo" }).id;
  await gh.createRepo({ owner: "octo", name: "hello", files: { "README.md": "hi\n" }, installationId });
  gh.setPermission("octo", "hello", "alice", "write");
});

afterAll(async () => {
  await gh.close();
});

describe("webhookPayload", () => {
  it("rewrites a real issue_comment.created example to the stand-in's objects", () => {
    const issue = gh.createIssue({
      owner: "octo",
      repo: "hello",
      title: "Bug",
      body: "Broken",
      user: "octo",
    });
    const comment = gh.createIssueComment({
      owner: "octo",
      repo: "hello",
      issueNumber: issue.number,
      body: "@understudy fix it",
      user: "alice",
    });
    const payload = gh.webhookPayload("issue_comment.created", {
      owner: "octo",
      repo: "hello",
      issueNumber: issue.number,
      commentId: comment.id,
    });
    const repo = gh.state.repos[0]!;
    const alice = gh.state.users.find((u) => u.login === "alice")!;

    expect(payload.action).toBe("created");
    expect(payload.repository).toMatchObject({
      id: repo.id,
      name: "hello",
      full_name: "octo/hello",
      owner: { login: "octo" },
      private: true,
      default_branch: "main",
      clone_url: `${gh.url}/octo/hello.git`,
      html_url: `${gh.url}/octo/hello`,
    });
    expect(payload.issue).toMatchObject({
      number: issue.number,
      title: "Bug",
      body: "Broken",
      user: { login: "octo" },
      html_url: `${gh.url}/octo/hello/issues/${issue.number}`,
    });
    expect(payload.issue).not.toHaveProperty("pull_request");
    expect(payload.comment).toMatchObject({
      id: comment.id,
      body: "@understudy fix it",
      user: { login: "alice", id: alice.id, type: "User" },
      html_url: `${gh.url}/octo/hello/issues/${issue.number}#issuecomment-${comment.id}`,
      author_association: "COLLABORATOR",
    });
    expect(payload.sender).toMatchObject({ login: "alice", id: alice.id });
    expect(payload.installation).toMatchObject({ id: installationId });
    // Everything the real example carries is still there.
    for (const part of ["issue", "comment", "repository", "sender"] as const) {
      expect(Object.keys(payload[part] as object)).toEqual(
        expect.arrayContaining(Object.keys(example[part]!)),
      );
    }
    expect(JSON.stringify(payload)).not.toContain("Codertocat");
  });

  it("marks a comment on a pull request and fills `changes` for an edit", async () => {
    const tree = await gh.git("octo", "hello", "rev-parse", "main^{tree}");
    const commit = await gh.git("octo", "hello", "commit-tree", tree, "-p", "main", "-m", "x");
    await gh.git("octo", "hello", "update-ref", "refs/heads/feature", commit);
    const token = gh.createInstallationToken(installationId).token;
    const res = await fetch(`${gh.apiUrl}/repos/octo/hello/pulls`, {
      method: "POST",
      headers: { authorization: `token ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "PR", head: "feature", base: "main" }),
    });
    const pr = (await res.json()) as { number: number };
    const comment = gh.createIssueComment({
      owner: "octo",
      repo: "hello",
      issueNumber: pr.number,
      body: "/understudy address the review",
      user: "alice",
    });
    const created = gh.webhookPayload("issue_comment.created", {
      owner: "octo",
      repo: "hello",
      issueNumber: pr.number,
      commentId: comment.id,
    });
    expect(created.issue.pull_request?.html_url).toBe(`${gh.url}/octo/hello/pull/${pr.number}`);
    expect(created.comment.html_url).toContain(`/pull/${pr.number}#issuecomment-`);

    comment.history.push({ body: "edited", at: 0 });
    comment.body = "edited";
    const edited = gh.webhookPayload("issue_comment.edited", {
      owner: "octo",
      repo: "hello",
      issueNumber: pr.number,
      commentId: comment.id,
    });
    expect(edited.changes).toEqual({ body: { from: "/understudy address the review" } });
    expect(edited.comment.body).toBe("edited");
  });

  it("builds issues.opened and refuses unknown objects", () => {
    const issue = gh.createIssue({
      owner: "octo",
      repo: "hello",
      title: "New",
      body: "@understudy go",
      user: "alice",
    });
    const opened = gh.webhookPayload("issues.opened", {
      owner: "octo",
      repo: "hello",
      issueNumber: issue.number,
    });
    expect(opened).toMatchObject({
      action: "opened",
      issue: { number: issue.number },
      sender: { login: "alice" },
    });
    expect(() =>
      gh.webhookPayload("issue_comment.created", {
        owner: "octo",
        repo: "hello",
        issueNumber: 999,
        commentId: 1,
      }),
    ).toThrow(/no issue/);
  });

  it("builds issues.labeled with the label on the issue, sent by the labeller", () => {
    const issue = gh.createIssue({ owner: "octo", repo: "hello", title: "Label me", user: "octo" });
    const labeled = gh.webhookPayload("issues.labeled", {
      owner: "octo",
      repo: "hello",
      issueNumber: issue.number,
      label: "understudy",
      sender: "alice",
    });
    expect(labeled).toMatchObject({
      action: "labeled",
      label: { name: "understudy" },
      issue: { number: issue.number, labels: [{ name: "understudy" }] },
      sender: { login: "alice" },
    });
    expect(labeled.label?.id).toBe(labeled.issue.labels?.[0]?.id);
  });

  it("builds review events with the pull request's head and base as they were", async () => {
    const pr = await seedPull(gh, {
      owner: "octo",
      repo: "hello",
      head: "greet",
      title: "Greet",
      user: "octo",
      files: { "greet.txt": "hi\n" },
    });
    const head = await gh.git("octo", "hello", "rev-parse", "greet");
    const comment = await seedReviewComment(gh, {
      owner: "octo",
      repo: "hello",
      pullNumber: pr.number,
      path: "greet.txt",
      diffHunk: "@@ -0,0 +1 @@\n+hi",
      body: "@understudy shout",
      user: "alice",
    });
    const created = gh.webhookPayload("pull_request_review_comment.created", {
      owner: "octo",
      repo: "hello",
      issueNumber: pr.number,
      commentId: comment.id,
    });
    expect(created).toMatchObject({
      action: "created",
      comment: {
        id: comment.id,
        path: "greet.txt",
        diff_hunk: "@@ -0,0 +1 @@\n+hi",
        commit_id: head,
        body: "@understudy shout",
      },
      pull_request: { number: pr.number, head: { ref: "greet", sha: head }, base: { ref: "main" } },
      sender: { login: "alice" },
    });
    const review = await seedReview(gh, {
      owner: "octo",
      repo: "hello",
      pullNumber: pr.number,
      body: "@understudy go",
      user: "alice",
    });
    const submitted = gh.webhookPayload("pull_request_review.submitted", {
      owner: "octo",
      repo: "hello",
      issueNumber: pr.number,
      reviewId: review.id,
    });
    expect(submitted).toMatchObject({
      action: "submitted",
      review: { id: review.id, body: "@understudy go", state: "commented", commit_id: head },
      pull_request: { number: pr.number, head: { sha: head } },
    });
    const walk = (o: unknown, path: string): string[] =>
      o && typeof o === "object"
        ? Object.entries(o).flatMap(([k, v]) => walk(v, `${path}.${k}`))
        : typeof o === "string" && o.includes("Codertocat")
          ? [path]
          : [];
    expect(walk(submitted, "")).toEqual([]);
  });
});
