/**
 * The session's clients must not carry Probot's throttling: its queues are module-level state shared
 * by every request of an isolate (writes spaced 1 s, comments and PRs 3 s, across all sessions), and
 * workerd cancels what one request's queue resolves in another's context.
 */
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { UnderstudyOctokit } from "./github-clients.js";

const API = "https://api.github.test";
const server = setupServer(
  http.post(`${API}/repos/o/r/issues/:n/comments`, () => HttpResponse.json({ id: 1 }, { status: 201 })),
);
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

it("sends writes one after another without throttling delays, even with Probot's throttle options", async () => {
  // Probot passes these to every Octokit it builds (get-octokit-throttle-options.js).
  const octokit = new UnderstudyOctokit({
    baseUrl: API,
    auth: "ghs_test",
    authStrategy: undefined,
    throttle: { onRateLimit: () => true, onSecondaryRateLimit: () => false },
  } as never) as unknown as { rest: { issues: { createComment(p: object): Promise<unknown> } } };
  const started = performance.now();
  for (let i = 1; i <= 4; i++)
    await octokit.rest.issues.createComment({ owner: "o", repo: "r", issue_number: i, body: "hi" });
  // With the throttle on, four comment creations take at least 3 × 3 s.
  expect(performance.now() - started).toBeLessThan(1_500);
});
