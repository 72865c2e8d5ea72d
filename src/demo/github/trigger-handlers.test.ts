import { describe, expect, it } from "vitest";
import { reviewStateOf } from "./review-state.js";
import { seedPull } from "./seed-pull.js";
import { seedReviewComment } from "./seed-review.js";
import { useStandIn } from "./use-stand-in.js";

const t = useStandIn();

const openPull = () =>
  seedPull(t.gh, {
    owner: "octo",
    repo: "hello",
    head: "feature",
    title: "Greet",
    user: "octo",
    files: { "src/greet.js": "export const greet = () => 'hi';\n", "README.md": "# hello\nmore\n" },
  });

describe("stand-in: triggers beyond issue comments", () => {
  it("lists a pull request's changed files from git", async () => {
    const pr = await openPull();
    const auth = `token ${await t.mintToken()}`;
    const files = await t.call("GET", `/repos/octo/hello/pulls/${pr.number}/files?per_page=100`, auth);
    expect(files.status).toBe(200);
    expect(files.json).toEqual([
      expect.objectContaining({
        filename: "README.md",
        status: "modified",
        additions: 1,
        deletions: 0,
        changes: 1,
      }),
      expect.objectContaining({ filename: "src/greet.js", status: "added", additions: 1, deletions: 0 }),
    ]);
    expect((await t.call("GET", "/repos/octo/hello/pulls/999/files", auth)).status).toBe(404);
  });

  it("replies in a review thread, edits the reply, reacts to review comments and issues", async () => {
    const pr = await openPull();
    const root = await seedReviewComment(t.gh, {
      owner: "octo",
      repo: "hello",
      pullNumber: pr.number,
      path: "src/greet.js",
      body: "@understudy take a name",
      user: "octo",
    });
    const auth = `token ${await t.mintToken()}`;
    const reply = await t.call(
      "POST",
      `/repos/octo/hello/pulls/${pr.number}/comments/${root.id}/replies`,
      auth,
      {
        body: "working on it",
      },
    );
    expect(reply.status).toBe(201);
    expect(reply.json).toMatchObject({
      in_reply_to_id: root.id,
      path: "src/greet.js",
      body: "working on it",
      user: { login: t.gh.app.botLogin },
      html_url: `${t.gh.url}/octo/hello/pull/${pr.number}#discussion_r${reply.json.id}`,
    });
    // Replies go to a thread's first comment.
    const nested = await t.call(
      "POST",
      `/repos/octo/hello/pulls/${pr.number}/comments/${reply.json.id}/replies`,
      auth,
      {
        body: "x",
      },
    );
    expect(nested.status).toBe(422);
    const edited = await t.call("PATCH", `/repos/octo/hello/pulls/comments/${reply.json.id}`, auth, {
      body: "done",
    });
    expect(edited.json).toMatchObject({ body: "done" });
    expect(
      reviewStateOf(t.gh.state)
        .comments.find((c) => c.id === reply.json.id)
        ?.history.map((h) => h.body),
    ).toEqual(["working on it", "done"]);
    const eyes = await t.call("POST", `/repos/octo/hello/pulls/comments/${root.id}/reactions`, auth, {
      content: "eyes",
    });
    expect(eyes.status).toBe(201);
    const again = await t.call("POST", `/repos/octo/hello/pulls/comments/${root.id}/reactions`, auth, {
      content: "eyes",
    });
    expect(again.status).toBe(200);
    const issue = t.gh.createIssue({ owner: "octo", repo: "hello", title: "t", user: "octo" });
    const onIssue = await t.call("POST", `/repos/octo/hello/issues/${issue.number}/reactions`, auth, {
      content: "eyes",
    });
    expect(onIssue.status).toBe(201);
    expect(t.gh.state.reactions.map((r) => r.commentId)).toEqual([root.id, issue.id]);
  });
});
