import { beforeAll, describe, expect, it } from "vitest";
import { buildOpenApiIndex } from "./build-openapi-index.js";
import { type ApiRequest, checkOpenApiConformance } from "./check-openapi-conformance.js";
import { loadOpenApiIndex } from "./load-openapi-index.js";
import type { OpenApiIndex } from "./openapi-index.js";

let github: OpenApiIndex;
beforeAll(async () => {
  github = await loadOpenApiIndex();
});
const check = (request: ApiRequest) => checkOpenApiConformance(github, request);

describe("requests the bot makes, as Octokit sends them", () => {
  it.each<[string, ApiRequest]>([
    ["GET /app (App JWT)", { method: "GET", path: "/app" }],
    [
      "an installation token narrowed to one repository (worker/session/git-token.ts)",
      {
        method: "POST",
        path: "/app/installations/12/access_tokens",
        body: { repositories: ["hello"], permissions: { contents: "write" } },
      },
    ],
    ["an installation token for everything", { method: "POST", path: "/app/installations/12/access_tokens" }],
    ["Probot's repository installation lookup", { method: "GET", path: "/repos/octo/hello/installation" }],
    [
      "Probot's config(): contents with the path's slashes encoded",
      { method: "GET", path: "/repos/octo/hello/contents/.github%2Funderstudy.yml" },
    ],
    [
      "contents with a literal multi-segment path and a ref",
      { method: "GET", path: "/repos/octo/hello/contents/.github/understudy.yml", query: "?ref=main" },
    ],
    ["collaborator permission", { method: "GET", path: "/repos/octo/hello/collaborators/alice/permission" }],
    [
      "the eyes reaction",
      { method: "POST", path: "/repos/octo/hello/issues/comments/5/reactions", body: { content: "eyes" } },
    ],
    [
      "a status comment",
      {
        method: "POST",
        path: "/repos/octo/hello/issues/3/comments",
        contentType: "application/json; charset=utf-8",
        body: { body: "Working…" },
      },
    ],
    ["its update", { method: "PATCH", path: "/repos/octo/hello/issues/comments/7", body: { body: "Done" } }],
    [
      "comments, paginated",
      { method: "GET", path: "/repos/octo/hello/issues/3/comments", query: "per_page=100&page=2" },
    ],
    [
      "the open pull request for a branch",
      { method: "GET", path: "/repos/octo/hello/pulls", query: "?head=octo%3Aunderstudy%2F3-fix&state=open" },
    ],
    [
      "a draft pull request",
      {
        method: "POST",
        path: "/repos/octo/hello/pulls",
        body: { head: "understudy/3-fix", base: "main", title: "Fix", body: "Closes #3", draft: true },
      },
    ],
    ["the API root of GHES's /api/v3", { method: "GET", path: "/" }],
    ["HEAD where GET is documented", { method: "HEAD", path: "/repos/octo/hello" }],
  ])("%s is documented", (_label, request) => {
    expect(check(request)).toEqual([]);
  });
});

describe("requests GitHub does not document", () => {
  it("names a body field GitHub would silently ignore", () => {
    expect(
      check({ method: "POST", path: "/repos/o/r/issues/3/comments", body: { body: "hi", draft: true } }),
    ).toEqual(['issues/create-comment: body field "draft" is not documented (documented: body)']);
  });

  it("names the documented methods when the method is wrong", () => {
    expect(check({ method: "PUT", path: "/repos/o/r/issues/3/comments", body: { body: "hi" } })).toEqual([
      "PUT is not documented for /repos/{owner}/{repo}/issues/{issue_number}/comments (documented: GET, POST)",
    ]);
  });

  it("rejects a path no template matches, or one with an empty parameter", () => {
    expect(check({ method: "GET", path: "/repos/o/r/branchez" })).toEqual([
      `no documented path matches /repos/o/r/branchez (${github.source})`,
    ]);
    expect(check({ method: "GET", path: "/repos/o//issues" })).toEqual([
      `no documented path matches /repos/o//issues (${github.source})`,
    ]);
  });

  it("names a missing required field, and a missing required body", () => {
    expect(check({ method: "POST", path: "/repos/o/r/pulls", body: { head: "x", title: "t" } })).toEqual([
      'pulls/create: required body field "base" is missing',
    ]);
    expect(check({ method: "PATCH", path: "/repos/o/r/issues/comments/7" })).toEqual([
      "issues/update-comment: the request body is missing",
    ]);
  });

  it("checks simple types and enums of top-level fields, and the body's own type", () => {
    expect(
      check({ method: "POST", path: "/app/installations/1/access_tokens", body: { repositories: "hello" } }),
    ).toEqual(['apps/create-installation-access-token: body field "repositories" is a string, not an array']);
    expect(
      check({ method: "POST", path: "/repos/o/r/issues/comments/5/reactions", body: { content: "thumbs" } }),
    ).toEqual([
      'reactions/create-for-issue-comment: body field "content" is "thumbs", not one of "+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"',
    ]);
    expect(
      check({ method: "POST", path: "/repos/o/r/pulls", body: { head: "x", base: "main", draft: "yes" } }),
    ).toEqual(['pulls/create: body field "draft" is a string, not a boolean']);
    expect(check({ method: "PATCH", path: "/repos/o/r/issues/comments/7", body: "Done" })).toEqual([
      "issues/update-comment: the body is a string, not a JSON object",
    ]);
  });

  it("checks query parameters and typed path parameters", () => {
    expect(check({ method: "GET", path: "/repos/o/r/pulls", query: "state=merged&author=me" })).toEqual([
      'pulls/list: query parameter "state" is "merged", not one of "open", "closed", "all"',
      'pulls/list: query parameter "author" is not documented (documented: state, head, base, sort, direction, per_page, page)',
    ]);
    expect(check({ method: "GET", path: "/repos/o/r/issues/12abc" })).toEqual([
      'issues/get: path parameter issue_number is "12abc", not an integer',
    ]);
  });

  it("refuses a body where the operation takes none", () => {
    expect(check({ method: "GET", path: "/app", body: { slug: "x" } })).toEqual([
      "apps/get-authenticated: sends a body, but GET /app takes none",
    ]);
  });
});

describe("matching and indexing", () => {
  it("prefers a literal segment to a parameter, and lets multi-segment parameters span slashes", () => {
    // issues/get would take "comments" as the issue number; issues/get-comment is the one meant.
    expect(check({ method: "GET", path: "/repos/o/r/issues/comments/5" })).toEqual([]);
    expect(check({ method: "GET", path: "/repos/o/r/git/ref/heads/feature/x" })).toEqual([]);
    expect(check({ method: "GET", path: "/repos/o/r/branches/feature/x/protection" })).toEqual([]);
  });

  it("resolves $refs, keeps bodies open under additionalProperties, and takes any of several forms", () => {
    const index = buildOpenApiIndex({
      info: { title: "tiny", version: "1" },
      paths: {
        "/things/{id}": {
          parameters: [{ $ref: "#/components/parameters/id" }],
          put: {
            operationId: "things/put",
            requestBody: {
              required: true,
              content: { "application/json": { schema: { $ref: "#/components/schemas/labels" } } },
            },
          },
          patch: {
            operationId: "things/patch",
            requestBody: {
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: { a: { type: "integer" } },
                    additionalProperties: true,
                  },
                },
              },
            },
          },
        },
      },
      components: {
        parameters: { id: { name: "id", in: "path", required: true, schema: { type: "integer" } } },
        schemas: {
          labels: {
            oneOf: [
              { type: "object", properties: { labels: { type: "array" } }, required: ["labels"] },
              { type: "array", items: { type: "string" } },
            ],
          },
        },
      },
    });
    const tiny = (request: ApiRequest) => checkOpenApiConformance(index, request);
    expect(index.source).toBe("tiny 1");
    expect(tiny({ method: "PUT", path: "/things/1", body: ["bug"] })).toEqual([]);
    expect(tiny({ method: "PUT", path: "/things/1", body: { labels: ["bug"] } })).toEqual([]);
    expect(tiny({ method: "PUT", path: "/things/1", body: { label: "bug" } })).toEqual([
      'things/put: body field "label" is not documented (documented: labels) (nearest of 2 documented body forms)',
      'things/put: required body field "labels" is missing (nearest of 2 documented body forms)',
    ]);
    expect(tiny({ method: "PATCH", path: "/things/x", body: { a: 1.5, b: true } })).toEqual([
      'things/patch: path parameter id is "x", not an integer',
      'things/patch: body field "a" is a number, not an integer',
    ]);
  });
});
