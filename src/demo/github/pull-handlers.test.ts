import { describe, expect, it } from "vitest";
import { useStandIn } from "./use-stand-in.js";

const t = useStandIn();

describe("pull requests", () => {
  async function makeBranch(branch: string) {
    const tree = await t.gh.git("octo", "hello", "rev-parse", "main^{tree}");
    const commit = await t.gh.git("octo", "hello", "commit-tree", tree, "-p", "main", "-m", "change");
    await t.gh.git("octo", "hello", "update-ref", `refs/heads/${branch}`, commit);
  }

  it("opens, lists and edits pull requests, numbered with issues", async () => {
    const issue = t.gh.createIssue({ owner: "octo", repo: "hello", title: "t", user: "octo" });
    const auth = `token ${await t.mintToken()}`;
    const pr = { title: "Fix", head: "understudy/1-fix", base: "main", body: "Closes #1", draft: true };

    const unknownHead = await t.call("POST", "/repos/octo/hello/pulls", auth, pr);
    expect(unknownHead.status).toBe(422);
    expect(unknownHead.json).toMatchObject({ message: "Validation Failed", errors: [{ field: "head" }] });

    await makeBranch("understudy/1-fix");
    const created = await t.call("POST", "/repos/octo/hello/pulls", auth, pr);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      number: issue.number + 1,
      html_url: `${t.gh.url}/octo/hello/pull/${issue.number + 1}`,
      state: "open",
      draft: true,
      head: {
        ref: "understudy/1-fix",
        sha: await t.gh.git("octo", "hello", "rev-parse", "understudy/1-fix"),
      },
      base: { ref: "main" },
      user: { login: "understudy[bot]" },
    });
    const duplicate = await t.call("POST", "/repos/octo/hello/pulls", auth, {
      ...pr,
      head: "octo:understudy/1-fix",
    });
    expect(duplicate.status).toBe(422);
    expect(duplicate.json.errors[0].message).toContain("already exists");

    await t.gh.git("octo", "hello", "branch", "empty", "main");
    expect((await t.call("POST", "/repos/octo/hello/pulls", auth, { ...pr, head: "empty" })).status).toBe(
      422,
    );
    expect((await t.call("POST", "/repos/octo/hello/pulls", auth, { head: "x" })).status).toBe(422);
    // Malformed on purpose, so also not a request GitHub documents: recorded, then cleared.
    expect(t.gh.undocumented.splice(0)).toEqual([
      'POST /api/v3/repos/octo/hello/pulls: pulls/create: required body field "base" is missing',
    ]);

    const listed = await t.call("GET", "/repos/octo/hello/pulls?head=octo:understudy/1-fix&state=open", auth);
    expect(listed.json.map((p: { number: number }) => p.number)).toEqual([created.json.number]);
    const none = await t.call("GET", "/repos/octo/hello/pulls?head=octo:other&state=open", auth);
    expect(none.json).toEqual([]);

    const patched = await t.call("PATCH", `/repos/octo/hello/pulls/${created.json.number}`, auth, {
      title: "Fixed",
    });
    expect(patched.json.title).toBe("Fixed");
    expect(t.gh.state.pulls[0]?.history.map((h) => h.title)).toEqual(["Fixed"]);

    const asIssue = await t.call("GET", `/repos/octo/hello/issues/${created.json.number}`, auth);
    expect(asIssue.json.pull_request.html_url).toBe(created.json.html_url);
  });
});
