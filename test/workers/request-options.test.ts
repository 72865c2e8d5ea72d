/**
 * What a request asks for reaches the run: flags and repository config (model, agent, base, draft,
 * branch prefix, time limit), a pull request's pinned head, and the thread the answer goes to.
 */
import { describe, expect, it } from "vitest";
import type { StartSessionRequest } from "../../src/core/start-session-request.js";
import type { Event } from "../../src/core/wire.js";
import { acceptRequest } from "../../worker/session/accept-request.js";
import { onSandboxConnected, onSandboxEvents } from "../../worker/session/lifecycle.js";
import type { SessionDeps } from "../../worker/session/session-deps.js";
import { freshSession, inside, type Recorded, request } from "./session-harness.js";

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

const pull = (over: Partial<NonNullable<StartSessionRequest["pull"]>> = {}) => ({
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

/** The short answers in the thread (status comments start with their headline). */
const replies = (r: Recorded) =>
  r.github
    .filter((c) => c.method === "issues.createComment" && String(c.params.body).startsWith("@"))
    .map((c) => String(c.params.body));

const onPull = (n: number, over: Partial<StartSessionRequest> = {}, head = {}) =>
  request(n, { issue: { number: 40, title: "Login page", isPullRequest: true }, pull: pull(head), ...over });

describe("pull requests whose head is not the session's to push to", () => {
  it("works on a branch of its own when the head is the default branch, into that branch, and says so", async () => {
    await inside(freshSession(), async (d, r) => {
      await acceptRequest(d, onPull(1, {}, { headRef: "main", baseRef: "release" }), URL);
      expect(r.spawned[0]!.repo).toMatchObject({
        branch: "understudy/40-login-page",
        baseBranch: "main",
        startSha: HEAD,
        startRef: "refs/pull/40/head",
      });
      const note =
        "This pull request comes from `main`, the default branch, so I do not push to `main`: I work on `understudy/40-login-page` and open a pull request from it into `main`.";
      expect(replies(r)).toEqual([`@user1 ${note}`]);
      expect(d.store.events(1).find((e) => e.type === "session_status")?.data).toMatchObject({
        reason: `Requested by @user1. ${note}`,
      });
      await finish(d);
      expect(r.github.find((c) => c.method === "pulls.create")?.params).toMatchObject({
        head: "understudy/40-login-page",
        base: "main",
      });
    });
  });

  it("starts a closed pull request's work again on a branch of its own, from its head", async () => {
    await inside(freshSession(), async (d, r) => {
      await acceptRequest(d, onPull(1, {}, { state: "closed" }), URL);
      expect(r.spawned[0]!.repo).toMatchObject({
        branch: "understudy/40-login-page",
        baseBranch: "develop",
        startSha: HEAD,
        startRef: "refs/pull/40/head",
      });
      expect(replies(r)).toEqual([
        expect.stringMatching(/^@user1 This pull request is closed, so I do not push to `feature\/login`/),
      ]);
    });
  });

  it("follows up a merged pull request from its base, on a branch of its own", async () => {
    await inside(freshSession(), async (d, r) => {
      await acceptRequest(d, onPull(1, {}, { state: "closed", merged: true }), URL);
      const spec = r.spawned[0]!.repo;
      expect(spec).toMatchObject({ branch: "understudy/40-login-page", baseBranch: "develop" });
      expect(spec.startSha).toBeUndefined();
      expect(replies(r)).toEqual([
        expect.stringMatching(/^@user1 This pull request is merged, so I do not push/),
      ]);
    });
  });

  it("leaves a pull request's head once it is merged, even in a session that worked on it", async () => {
    await inside(freshSession(), async (d, r) => {
      await acceptRequest(d, onPull(1), URL);
      await finish(d);
      await acceptRequest(d, onPull(2, {}, { state: "closed", merged: true }), URL);
      expect(r.spawned.map((s) => s.repo.branch)).toEqual(["feature/login", "understudy/40-login-page"]);
      await finish(d);
      expect(r.github.filter((c) => c.method === "pulls.create").map((c) => c.params.head)).toEqual([
        "understudy/40-login-page",
      ]);
    });
  });
});

describe("flags that cannot apply", () => {
  it("answers `--base` on a follow-up with why, and runs it on the session's branch", async () => {
    await inside(freshSession(), async (d, r) => {
      await acceptRequest(d, request(1), URL);
      await finish(d);
      await acceptRequest(d, request(2, { options: { base: "release" }, flagged: ["base"] }), URL);
      expect(r.spawned.map((s) => s.repo.baseBranch)).toEqual(["main", "main"]);
      expect(replies(r)).toEqual([
        "@user2 `--base release` was not applied: this session's branch `understudy/12-add-a-greeting-file` already exists, based on `main`.",
      ]);
    });
  });

  it("answers `--base` and `--draft` on someone's pull request, and runs it", async () => {
    await inside(freshSession(), async (d, r) => {
      await acceptRequest(
        d,
        onPull(1, { options: { base: "release", draft: true }, flagged: ["base", "draft"] }),
        URL,
      );
      expect(r.spawned).toHaveLength(1);
      expect(replies(r)).toEqual([
        "@user1 `--base release` was not applied: a pull request's work is based on `develop`. `--draft` was not applied: I push to this pull request's branch and open no pull request.",
      ]);
    });
  });

  it("answers `--draft` when the session already has its pull request", async () => {
    await inside(freshSession(), async (d, r) => {
      await acceptRequest(d, request(1), URL);
      await finish(d);
      await acceptRequest(d, request(2, { options: { draft: true }, flagged: ["draft"] }), URL);
      expect(replies(r)).toEqual([
        "@user2 `--draft` was not applied: this session already has pull request #99.",
      ]);
    });
  });

  it("says nothing of a flag that applies, or of the config's draft where no PR is opened", async () => {
    await inside(freshSession(), async (d, r) => {
      await acceptRequest(
        d,
        request(1, { options: { base: "release", draft: true }, flagged: ["base", "draft"] }),
        URL,
      );
      await finish(d);
      await acceptRequest(d, request(2, { options: { base: "release" }, flagged: ["base"] }), URL);
      expect(r.spawned.map((s) => s.repo.baseBranch)).toEqual(["release", "release"]);
      expect(r.github.find((c) => c.method === "pulls.create")?.params.draft).toBe(true);
      expect(replies(r)).toEqual([]);
    });
    await inside(freshSession(), async (d, r) => {
      await acceptRequest(d, onPull(1, { options: { draft: true } }), URL);
      expect(replies(r)).toEqual([]);
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
