import { Octokit } from "@octokit/rest";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { requestPolicy, retryAfterOf } from "./request-policy.js";

const API = "https://api.github.test";
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const slept: number[] = [];
afterEach(() => {
  slept.length = 0;
});
const PolicyOctokit = Octokit.plugin(
  requestPolicy({
    sleep: async (ms) => {
      slept.push(ms);
    },
  }),
);
const client = () => new PolicyOctokit({ baseUrl: API, auth: "ghs_test" });
const COMMENT = `${API}/repos/o/r/issues/comments/5`;

it("retries 502 and a secondary rate limit in place, then succeeds", async () => {
  const answers = [
    () => HttpResponse.json({ message: "Bad Gateway" }, { status: 502 }),
    () =>
      HttpResponse.json(
        { message: "You have exceeded a secondary rate limit." },
        { status: 403, headers: { "retry-after": "1" } },
      ),
    () => HttpResponse.json({ id: 5, body: "ok" }),
  ];
  let calls = 0;
  server.use(http.patch(COMMENT, () => answers[calls++]!()));
  const { data } = await client().rest.issues.updateComment({
    owner: "o",
    repo: "r",
    comment_id: 5,
    body: "x",
  });
  expect(data).toMatchObject({ id: 5 });
  expect(calls).toBe(3);
  expect(slept).toEqual([500, 1000]);
});

it("hands a long wait back to the caller with retryAfterMs instead of holding the request", async () => {
  server.use(
    http.post(`${API}/repos/o/r/pulls`, () =>
      HttpResponse.json(
        { message: "secondary rate limit" },
        { status: 429, headers: { "retry-after": "120" } },
      ),
    ),
  );
  const error = await client()
    .rest.pulls.create({ owner: "o", repo: "r", head: "h", base: "main", title: "t" })
    .catch((e: unknown) => e);
  expect(retryAfterOf(error)).toBe(120_000);
  expect(slept).toEqual([]);
});

it("gives up after four attempts of 5xx", async () => {
  let calls = 0;
  server.use(
    http.get(`${API}/repos/o/r`, () => {
      calls++;
      return HttpResponse.json({ message: "Service Unavailable" }, { status: 503 });
    }),
  );
  const error = await client()
    .rest.repos.get({ owner: "o", repo: "r" })
    .catch((e: unknown) => e);
  expect((error as { status: number }).status).toBe(503);
  expect(calls).toBe(4);
  expect(retryAfterOf(error)).toBe(4000);
});

it("does not retry answers such as 404 or a permission 403", async () => {
  let calls = 0;
  server.use(
    http.get(`${API}/repos/o/r`, () => {
      calls++;
      return HttpResponse.json({ message: "Resource not accessible by integration" }, { status: 403 });
    }),
  );
  await expect(client().rest.repos.get({ owner: "o", repo: "r" })).rejects.toMatchObject({ status: 403 });
  expect(calls).toBe(1);
});

it("redacts tokens in what the bot writes, and only there", async () => {
  const bodies: unknown[] = [];
  server.use(
    http.post(`${API}/repos/o/r/issues/1/comments`, async ({ request }) => {
      bodies.push(await request.json());
      return HttpResponse.json({ id: 1 }, { status: 201 });
    }),
    http.post(`${API}/repos/o/r/pulls`, async ({ request }) => {
      bodies.push(await request.json());
      return HttpResponse.json({ number: 2 }, { status: 201 });
    }),
  );
  const token = `ghp_${"a1B2c3D4e5".repeat(4)}`;
  await client().rest.issues.createComment({ owner: "o", repo: "r", issue_number: 1, body: `use ${token}` });
  await client().rest.pulls.create({
    owner: "o",
    repo: "r",
    head: "understudy/1-x",
    base: "main",
    title: `Add ${token}`,
    body: `key sk-ant-api03-${"x".repeat(40)}`,
  });
  expect(JSON.stringify(bodies)).not.toMatch(/ghp_|sk-ant-/);
  expect(bodies[1]).toMatchObject({
    head: "understudy/1-x",
    title: "Add [redacted]",
    body: "key [redacted]",
  });
});
