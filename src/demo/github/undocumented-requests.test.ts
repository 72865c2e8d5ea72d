import { describe, expect, it } from "vitest";
import { useStandIn } from "./use-stand-in.js";

const t = useStandIn();

describe("requests GitHub's OpenAPI description does not document", () => {
  it("records them and still answers, so one stray field does not cascade", async () => {
    const issue = t.gh.createIssue({ owner: "octo", repo: "hello", title: "t", user: "octo" });
    const auth = `token ${await t.mintToken()}`;
    const res = await t.call("POST", `/repos/octo/hello/issues/${issue.number}/comments?via=bot`, auth, {
      body: "hi",
      draft: true,
    });
    expect(res.status).toBe(201);
    expect(t.gh.undocumented.splice(0)).toEqual([
      `POST /api/v3/repos/octo/hello/issues/${issue.number}/comments?via=bot: ` +
        'issues/create-comment: query parameter "via" is not documented (none are); ' +
        'issues/create-comment: body field "draft" is not documented (documented: body)',
    ]);
    expect(t.gh.unhandled).toEqual([]);
  });

  it("keeps unknown-to-the-stand-in apart from unknown-to-GitHub, and checks only /api/v3", async () => {
    // Documented by GitHub, not served by the stand-in: unhandled only.
    expect((await t.call("GET", "/repos/octo/hello/branches", undefined)).status).toBe(404);
    // Neither: both lists.
    expect((await t.call("GET", "/repos/octo/hello/branchez", undefined)).status).toBe(404);
    // Not REST (the web UI, git over HTTP): never checked against the REST description.
    expect((await fetch(`${t.gh.url}/octo/hello/pulls`)).status).toBe(404);
    expect(t.gh.unhandled.splice(0)).toEqual([
      "GET /api/v3/repos/octo/hello/branches",
      "GET /api/v3/repos/octo/hello/branchez",
      "GET /octo/hello/pulls",
    ]);
    expect(t.gh.undocumented.splice(0)).toEqual([
      expect.stringMatching(/^GET \/api\/v3\/repos\/octo\/hello\/branchez: no documented path matches /),
    ]);
  });
});
