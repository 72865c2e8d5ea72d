/**
 * What a request asks for reaches the run: flags and repository config (model, agent, base, draft,
 * branch prefix, time limit), a pull request's pinned head, and the thread the answer goes to.
 */
import { describe, expect, it } from "vitest";
import type { Event } from "../../src/core/wire.js";
import { acceptRequest } from "../../worker/session/accept-request.js";
import { onSandboxConnected, onSandboxEvents } from "../../worker/session/lifecycle.js";
import type { SessionDeps } from "../../worker/session/session-deps.js";
import { freshSession, inside, request } from "./session-harness.js";

const URL = "http://understudy.test";
const HEAD = "a".repeat(40);

async function finish(d: SessionDeps, commitsAhead = 1) {
  await onSandboxConnected(d, d.store.getSession()!.run);
  const at = new Date().toISOString();
  const batch: Event[] = [
    {
      seq: 1,
      type: "push_complete",
      at,
      data: { branch: d.store.getSession()!.branch, sha: "b", commitsAhead, pushed: true },
    },
    { seq: 2, type: "execution_complete", at, data: { success: true, summary: "Done" } },
  ];
  const fresh = d.store.insertEvents(d.store.getSession()!.run, batch);
  await onSandboxEvents(
    d,
    fresh.map((e) => e.event),
  );
}

const pull = (over: Partial<{ isFork: boolean; headRef: string }> = {}) => ({
  headSha: HEAD,
  headRef: "feature/login",
  headRepo: "acme/widgets",
  baseRef: "develop",
  isFork: false,
  ...over,
});

describe("request options", () => {
  it("carries model, agent, base, branch prefix, time limit and draft into the run", async () => {
    const stub = freshSession();
    await inside(stub, async (d, r) => {
      await acceptRequest(
        d,
        request(1, {
          options: {
            model: "claude-opus-4",
            agent: "claude-code",
            base: "release",
            draft: true,
            branchPrefix: "bot",
            timeLimitMs: 60_000,
          },
        }),
        URL,
      );
      const spec = r.spawned[0]!;
      expect(spec.model).toBe("claude-opus-4");
      expect(spec.agent).toBe("claude-code");
      expect(spec.repo.baseBranch).toBe("release");
      expect(spec.repo.branch).toBe("bot/12-add-a-greeting-file");
      expect(spec.timeLimitMs).toBe(60_000);
      await finish(d);
      const create = r.github.find((c) => c.method === "pulls.create")!;
      expect(create.params).toMatchObject({
        draft: true,
        base: "release",
        head: "bot/12-add-a-greeting-file",
      });
    });
  });

  it("follows the repository's pull-request template in the PR body", async () => {
    const stub = freshSession();
    await inside(stub, async (d, r) => {
      r.files[".github/pull_request_template.md"] = "## Checklist\n<!-- tick what applies -->\n- [ ] Tests";
      await acceptRequest(d, request(1), URL);
      await finish(d);
      const body = String(r.github.find((c) => c.method === "pulls.create")?.params.body);
      expect(body).toContain("## Checklist");
      expect(body).toContain("- [ ] Tests");
      expect(body).not.toContain("tick what applies");
      // Read from the base branch the PR goes into.
      expect(r.github.find((c) => c.method === "repos.getContent")?.params).toMatchObject({ ref: "main" });
    });
  });

  it("lets a request shorten the deployment's time limit, never lengthen it", async () => {
    const stub = freshSession();
    await inside(stub, async (d, r) => {
      await acceptRequest(d, request(1, { options: { timeLimitMs: 365 * 24 * 3_600_000 } }), URL);
      expect(r.spawned[0]!.timeLimitMs).toBe(d.config.TIME_LIMIT_MS);
    });
  });
});

describe("pull requests the bot did not open", () => {
  it("works on a same-repository PR's head branch from the pinned head, and opens no PR", async () => {
    const stub = freshSession();
    await inside(stub, async (d, r) => {
      await acceptRequest(
        d,
        request(1, { issue: { number: 40, title: "Login page", isPullRequest: true }, pull: pull() }),
        URL,
      );
      const spec = r.spawned[0]!;
      expect(spec.repo).toMatchObject({ branch: "feature/login", baseBranch: "develop", startSha: HEAD });
      expect(spec.repo.startRef).toBeUndefined();
      await finish(d);
      expect(r.github.some((c) => c.method === "pulls.create")).toBe(false);
      expect(d.store.getSession()!.status).toBe("completed");
    });
  });

  it("says where the work went when the PR's branch refused the push", async () => {
    const stub = freshSession();
    await inside(stub, async (d, r) => {
      await acceptRequest(
        d,
        request(1, { issue: { number: 40, title: "Login page", isPullRequest: true }, pull: pull() }),
        URL,
      );
      expect(r.spawned[0]!.repo.fallbackBranch).toBe("understudy/40-login-page-run1");
      await onSandboxConnected(d, 1);
      const at = new Date().toISOString();
      const fresh = d.store.insertEvents(1, [
        {
          seq: 1,
          type: "push_error",
          at,
          data: { branch: "feature/login", error: "Push failed: protected branch" },
        },
        {
          seq: 2,
          type: "push_complete",
          at,
          data: { branch: "understudy/40-login-page-run1", sha: "c", commitsAhead: 1, pushed: true },
        },
        {
          seq: 3,
          type: "execution_complete",
          at,
          data: { success: false, error: "Push failed: protected branch" },
        },
      ]);
      await onSandboxEvents(
        d,
        fresh.map((e) => e.event),
      );
      const s = d.store.getSession()!;
      expect(s.status).toBe("failed");
      expect(s.error).toMatch(/Pushing to `feature\/login` failed: Push failed: protected branch/);
      expect(s.error).toMatch(/branch of its own instead, `understudy\/40-login-page-run1`/);
      expect(s.branchUrl).toContain("understudy/40-login-page-run1");
      expect(r.github.some((c) => c.method === "pulls.create")).toBe(false);
    });
  });

  it("never pushes to a fork, and does not run a fork's code: it says so, once", async () => {
    const stub = freshSession();
    await inside(stub, async (d, r) => {
      const fork = {
        issue: { number: 41, title: "Fix typo", isPullRequest: true },
        pull: pull({ isFork: true, headRef: "main" }),
      };
      expect(await acceptRequest(d, request(1, fork), URL)).toEqual({ outcome: "refused_fork" });
      expect(await acceptRequest(d, request(2, fork), URL)).toEqual({ outcome: "refused_fork" });
      expect(r.spawned).toEqual([]);
      const replies = r.github.filter((c) => c.method === "issues.createComment");
      expect(replies).toHaveLength(1);
      expect(String(replies[0]!.params.body)).toMatch(/comes from a fork\. I never push to forks/);
    });
  });
});

describe("answers in a review thread", () => {
  it("creates the run's status comment as a reply in the thread, and edits it there", async () => {
    const stub = freshSession();
    await inside(stub, async (d, r) => {
      await acceptRequest(
        d,
        request(1, {
          issue: { number: 40, title: "Login page", isPullRequest: true },
          pull: pull(),
          replyTo: { kind: "review_thread", commentId: 777 },
        }),
        URL,
      );
      await finish(d);
      const methods = r.github.map((c) => c.method);
      expect(methods).not.toContain("issues.createComment");
      expect(methods).not.toContain("issues.updateComment");
      const created = r.github.filter((c) => c.method === "pulls.createReplyForReviewComment");
      expect(created).toHaveLength(1);
      expect(created[0]!.params).toMatchObject({ pull_number: 40, comment_id: 777 });
      expect(r.github.filter((c) => c.method === "pulls.updateReviewComment").at(-1)?.params.body).toMatch(
        /Done/,
      );
    });
  });
});
