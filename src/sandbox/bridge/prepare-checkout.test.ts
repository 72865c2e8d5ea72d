/**
 * A run asked from a pull request starts at the head the PR had when it was asked (pinned), and a
 * fork's head comes from the base repository's refs/pull/<n>/head: real git against a local remote.
 * The same through the mirror cache (mirror-cache.test.ts covers the cache itself, over HTTP).
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createGitRemote, type GitRemote } from "../../../test/support/bridge/git-remote.js";
import type { SandboxSpec } from "../../core/wire.js";
import { mirrorPath } from "./mirror-cache.js";
import { prepareCheckout } from "./prepare-checkout.js";

const ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Someone",
  GIT_AUTHOR_EMAIL: "someone@example.com",
  GIT_COMMITTER_NAME: "Someone",
  GIT_COMMITTER_EMAIL: "someone@example.com",
};

let root: string;
let remote: GitRemote;
const seed = () => join(root, "seed");
const run = (args: string[], cwd = seed()) =>
  execFileSync("git", args, { cwd, env: ENV, encoding: "utf8" }).trim();

/** Commits a file in the seed repository and pushes HEAD to `ref` of the remote; returns the sha. */
async function commitTo(ref: string, file: string): Promise<string> {
  await writeFile(join(seed(), file), `${file}\n`);
  run(["add", file]);
  run(["commit", "--quiet", "-m", `Add ${file}`]);
  run(["push", "--quiet", "--force", remote.dir, `HEAD:${ref}`]);
  return run(["rev-parse", "HEAD"]);
}

function spec(repo: Partial<SandboxSpec["repo"]>): SandboxSpec {
  return {
    repo: {
      cloneUrl: remote.url,
      owner: "acme",
      name: "widgets",
      baseBranch: "main",
      branch: "feature",
      ...repo,
    },
    author: { name: "understudy[bot]", email: "1+understudy[bot]@users.noreply.github.com" },
  } as SandboxSpec;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "prepare-checkout-"));
  remote = createGitRemote(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("prepareCheckout from a pull request", () => {
  it("starts at the pinned head and leases the push to it, even after someone pushed to the branch", async () => {
    run(["checkout", "--quiet", "-b", "feature"]);
    const pinned = await commitTo("refs/heads/feature", "asked.txt");
    // Pushed after the request was accepted: must not be worked on, nor overwritten.
    const later = await commitTo("refs/heads/feature", "later.txt");
    const checkout = await prepareCheckout(spec({ startSha: pinned }), join(root, "work"), "token");
    expect(checkout.headSha).toBe(pinned);
    expect(checkout.remoteBranchSha).toBe(pinned);
    expect(checkout.remoteBranchSha).not.toBe(later);
    expect(run(["ls-files"], join(root, "work"))).not.toContain("later.txt");
  });

  it("starts from the session's own later push, not the older pinned head (a request queued behind another)", async () => {
    run(["checkout", "--quiet", "-b", "feature"]);
    const pinned = await commitTo("refs/heads/feature", "asked.txt");
    // The run before this one (queued behind it) pushed: the branch moved only by the session.
    const ours = await commitTo("refs/heads/feature", "earlier-run.txt");
    const checkout = await prepareCheckout(
      spec({ startSha: pinned, ownSha: ours }),
      join(root, "work"),
      "token",
    );
    expect(checkout.headSha).toBe(ours);
    expect(checkout.remoteBranchSha).toBe(ours);
    expect(run(["ls-files"], join(root, "work"))).toContain("earlier-run.txt");
  });

  it("takes a fork's head from refs/pull/<n>/head onto a branch of its own", async () => {
    run(["checkout", "--quiet", "-b", "fork-work"]);
    const head = await commitTo("refs/pull/7/head", "from-fork.txt");
    const checkout = await prepareCheckout(
      spec({ branch: "understudy/7-fix", startSha: head, startRef: "refs/pull/7/head" }),
      join(root, "work"),
      "token",
    );
    expect(checkout.headSha).toBe(head);
    expect(checkout.branch).toBe("understudy/7-fix");
    // The branch is new in the base repository: the push must create it, never overwrite.
    expect(checkout.remoteBranchSha).toBeNull();
    expect(checkout.created).toBe(true);
  });

  it("says so when the pinned head is gone", async () => {
    await expect(
      prepareCheckout(
        spec({ startSha: "0123456789abcdef0123456789abcdef01234567" }),
        join(root, "work"),
        "token",
      ),
    ).rejects.toThrow(/no longer in the repository/);
  });
});

describe("prepareCheckout through a mirror cache", () => {
  const mirrors = () => join(root, "mirrors");
  const mirrorObjects = () => join(mirrorPath(mirrors(), remote.url), "objects");
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("borrows nothing without a cache", async () => {
    const checkout = await prepareCheckout(spec({}), join(root, "work"), "token", undefined, {
      mirrorDir: "",
    });
    expect(checkout.objectDirs).toEqual([]);
  });

  it("takes a fork's head from the real remote's refs/pull/<n>/head, and names the mirror's objects", async () => {
    run(["checkout", "--quiet", "-b", "fork-work"]);
    const head = await commitTo("refs/pull/7/head", "from-fork.txt");
    const checkout = await prepareCheckout(
      spec({ branch: "understudy/7-fix", startSha: head, startRef: "refs/pull/7/head" }),
      join(root, "work"),
      "token",
      undefined,
      { mirrorDir: mirrors() },
    );
    await checkout.spare;
    expect(checkout).toMatchObject({ headSha: head, remoteBranchSha: null, created: true });
    expect(checkout.objectDirs).toEqual([mirrorObjects()]);
    // The mirror holds branches only; the pull request's head reached the checkout alone.
    expect(run(["for-each-ref", "--format=%(refname)"], mirrorPath(mirrors(), remote.url))).toBe(
      "refs/heads/main",
    );
    expect(run(["remote", "get-url", "origin"], join(root, "work"))).toBe(remote.url);
  });

  it("finds the cache in UNDERSTUDY_MIRROR_DIR, and a follow-up run checks out the session's branch", async () => {
    vi.stubEnv("UNDERSTUDY_MIRROR_DIR", mirrors());
    const first = await prepareCheckout(spec({}), join(root, "run-1"), "token");
    await first.spare;
    expect(first).toMatchObject({ created: true, objectDirs: [mirrorObjects()] });
    run(["checkout", "--quiet", "-b", "feature"]);
    const pushed = await commitTo("refs/heads/feature", "run-1.txt");
    const second = await prepareCheckout(spec({}), join(root, "run-2"), "token");
    await second.spare;
    expect(second).toMatchObject({ created: false, remoteBranchSha: pushed, headSha: pushed });
    expect(second.objectDirs).toEqual([mirrorObjects()]);
    expect(run(["ls-files"], join(root, "run-2"))).toContain("run-1.txt");
  });
});
