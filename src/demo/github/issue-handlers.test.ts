import { describe, expect, it } from "vitest";
import { useStandIn } from "./use-stand-in.js";

const t = useStandIn();

describe("issues, comments and reactions", () => {
  it("lets the bot comment, edit with history, and react once per content", async () => {
    const seen: string[] = [];
    for (const name of ["reaction", "comment_created", "comment_updated"] as const) {
      t.gh.events.on(name, (_object: unknown, at: number) => {
        expect(at).toBeGreaterThan(0);
        seen.push(name);
      });
    }
    const issue = t.gh.createIssue({
      owner: "octo",
      repo: "hello",
      title: "Flaky test",
      body: "It fails",
      user: "alice",
    });
    const human = t.gh.createIssueComment({
      owner: "octo",
      repo: "hello",
      issueNumber: issue.number,
      body: "@understudy fix it",
      user: "alice",
    });
    const auth = `token ${await t.mintToken()}`;

    const first = await t.call("POST", `/repos/octo/hello/issues/comments/${human.id}/reactions`, auth, {
      content: "eyes",
    });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ content: "eyes", user: { login: "understudy[bot]", type: "Bot" } });
    const again = await t.call("POST", `/repos/octo/hello/issues/comments/${human.id}/reactions`, auth, {
      content: "eyes",
    });
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(first.json.id);
    const bad = await t.call("POST", `/repos/octo/hello/issues/comments/${human.id}/reactions`, auth, {
      content: "thumbs",
    });
    expect(bad.status).toBe(422);
    // Malformed on purpose, so also not a request GitHub documents: recorded, then cleared.
    expect(t.gh.undocumented.splice(0)).toEqual([
      expect.stringContaining('body field "content" is "thumbs"'),
    ]);
    expect(
      (await t.call("POST", `/repos/octo/hello/issues/comments/999999/reactions`, auth, { content: "eyes" }))
        .status,
    ).toBe(404);

    const status = await t.call("POST", `/repos/octo/hello/issues/${issue.number}/comments`, auth, {
      body: "Working",
    });
    expect(status.status).toBe(201);
    expect(status.json).toMatchObject({
      body: "Working",
      user: { login: "understudy[bot]", type: "Bot" },
      html_url: `${t.gh.url}/octo/hello/issues/${issue.number}#issuecomment-${status.json.id}`,
    });
    const edited = await t.call("PATCH", `/repos/octo/hello/issues/comments/${status.json.id}`, auth, {
      body: "Done",
    });
    expect(edited.status).toBe(200);
    expect(edited.json.body).toBe("Done");
    const stored = t.gh.state.comments.find((c) => c.id === status.json.id)!;
    expect(stored.history.map((h) => h.body)).toEqual(["Working", "Done"]);
    expect(stored.updatedAt).toBeGreaterThanOrEqual(stored.createdAt);

    const tooLong = await t.call("PATCH", `/repos/octo/hello/issues/comments/${status.json.id}`, auth, {
      body: "x".repeat(65_537),
    });
    expect(tooLong.status).toBe(422);

    const got = await t.call("GET", `/repos/octo/hello/issues/${issue.number}`, auth);
    expect(got.json).toMatchObject({
      number: issue.number,
      title: "Flaky test",
      body: "It fails",
      comments: 2,
    });
    expect(got.json.pull_request).toBeUndefined();
    const list = await t.call("GET", `/repos/octo/hello/issues/${issue.number}/comments?per_page=1`, auth);
    expect(list.json.map((c: { id: number }) => c.id)).toEqual([human.id]);
    expect(list.headers.get("link")).toContain('rel="next"');
    expect(list.json[0].reactions).toMatchObject({ total_count: 1, eyes: 1 });

    expect(seen).toEqual(["comment_created", "reaction", "comment_created", "comment_updated"]);
    expect(t.gh.state.reactions).toHaveLength(1);
    const logged = t.gh.log.find((e) => e.method === "PATCH");
    expect(logged).toMatchObject({
      path: `/api/v3/repos/octo/hello/issues/comments/${status.json.id}`,
      status: 200,
    });
    expect(logged?.body).toEqual({ body: "Done" });
  });

  it("answers 400 for malformed JSON and 404 for unknown issues", async () => {
    const auth = `token ${await t.mintToken()}`;
    const res = await fetch(`${t.gh.apiUrl}/repos/octo/hello/issues/1/comments`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: "{",
    });
    // Issue #1 does not exist, which GitHub checks before parsing.
    expect(res.status).toBe(404);
    t.gh.createIssue({ owner: "octo", repo: "hello", title: "t", user: "octo" });
    const parse = await fetch(`${t.gh.apiUrl}/repos/octo/hello/issues/1/comments`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: "{",
    });
    expect(parse.status).toBe(400);
    // Malformed on purpose, so also not a request GitHub documents: recorded, then cleared.
    expect(t.gh.undocumented.splice(0)).toEqual([
      "POST /api/v3/repos/octo/hello/issues/1/comments: issues/create-comment: the body is not valid JSON",
      "POST /api/v3/repos/octo/hello/issues/1/comments: issues/create-comment: the body is not valid JSON",
    ]);
  });
});
