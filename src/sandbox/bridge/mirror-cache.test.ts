/**
 * The mirror cache against a real remote served over smart HTTP (the same `git http-backend` the
 * bridge tests use), demanding the token: what each checkout transferred is read from the server's
 * request log, so "the second checkout used the mirror" is a byte count, not an assumption.
 * Spare checkouts are off here, so each checkout clones the mirror; take-spare.test.ts has them.
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { commitFiles } from "../../../test/support/bridge/commit-files.js";
import { createGitRemote, type GitRemote } from "../../../test/support/bridge/git-remote.js";
import { type ServedGitRemote, serveGitRemote } from "../../../test/support/bridge/serve-git-remote.js";
import type { SandboxSpec } from "../../core/wire.js";
import { withFileLock } from "./file-lock.js";
import { git } from "./git.js";
import type { BridgeLog } from "./log.js";
import { cloneThroughMirror, mirrorKey, mirrorPath } from "./mirror-cache.js";
import { type Checkout, prepareCheckout } from "./prepare-checkout.js";
import { pushBranch } from "./push-branch.js";

const TOKEN = "ghs_MirrorTestToken0123456789abcdefABCD";
const FILES = Array.from({ length: 200 }, (_, i) => `src/module-${i}.txt`);

let root: string;
let remote: GitRemote;
let served: ServedGitRemote;
let mirrors: string;
let warnings: string[];
const log: BridgeLog = { info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "mirror-cache-"));
  remote = createGitRemote(root);
  // About 400 KB of incompressible text: a full transfer is unmistakable in the byte count.
  commitFiles(remote, { seed: join(root, "seed"), files: FILES, size: 2_000 });
  served = await serveGitRemote(remote, { accepts: (p) => p === TOKEN });
  mirrors = join(root, "mirrors");
  warnings = [];
});
afterEach(async () => {
  await served.close();
  rmSync(root, { recursive: true, force: true });
});

function spec(repo: Partial<SandboxSpec["repo"]> = {}): SandboxSpec {
  return {
    repo: {
      cloneUrl: served.url,
      owner: "acme",
      name: "widgets",
      baseBranch: "main",
      branch: "understudy/1-x",
      ...repo,
    },
    author: { name: "understudy[bot]", email: "1+understudy[bot]@users.noreply.github.com" },
  } as SandboxSpec;
}

let checkouts = 0;
/** One checkout through the mirror cache; `bytes` is what the remote sent for it. */
async function checkout(): Promise<Checkout & { bytes: number }> {
  const from = served.requests.length;
  const dir = join(root, `work-${++checkouts}`);
  const result = await prepareCheckout(spec(), dir, TOKEN, undefined, {
    mirrorDir: mirrors,
    log,
    prepareSpare: false,
    useSpare: false,
  });
  return { ...result, bytes: served.requests.slice(from).reduce((n, r) => n + r.bytes, 0) };
}

const inRepo = (dir: string, args: string[]) =>
  execFileSync("git", args, {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" },
  }).trim();
const mirror = () => mirrorPath(mirrors, served.url);

/** Every file under `dir` whose bytes hold `secret`. */
function filesHolding(dir: string, secret: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((file) => readFileSync(file).includes(secret));
}

it("the second checkout takes its objects from the mirror: the same files for a fraction of the bytes", async () => {
  // A pull request's ref, as GitHub has thousands of: the mirror must not fetch refs/pull/*.
  commitFiles(remote, {
    seed: join(root, "seed"),
    files: ["pr.txt"],
    size: 100_000,
    ref: "refs/pull/1/head",
  });
  const first = await checkout();
  const second = await checkout();

  expect(first.bytes).toBeGreaterThan(200_000);
  expect(second.bytes).toBeLessThan(first.bytes / 50);
  expect(second.objectDirs).toEqual([join(mirror(), "objects")]);
  expect(second.headSha).toBe(first.headSha);
  expect(inRepo(second.repoDir, ["ls-files"]).split("\n")).toHaveLength(FILES.length + 1);
  expect(inRepo(second.repoDir, ["status", "--porcelain"])).toBe("");
  expect(inRepo(second.repoDir, ["remote", "get-url", "origin"])).toBe(served.url);
  expect(inRepo(second.repoDir, ["rev-parse", "origin/HEAD"])).toBe(first.baseSha);
  inRepo(second.repoDir, ["fsck", "--no-progress"]);
  expect(inRepo(mirror(), ["for-each-ref", "--format=%(refname)"])).toBe("refs/heads/main");
  expect(readdirSync(mirrors).sort()).toEqual([
    `${mirrorKey(served.url)}.git`,
    `${mirrorKey(served.url)}.lock`,
  ]);
  expect(filesHolding(root, TOKEN)).toEqual([]);
  expect(warnings).toEqual([]);
});

it("brings new commits and branches on the next checkout, and drops deleted branches", async () => {
  const first = await checkout();
  const seed = join(root, "seed");
  const main = commitFiles(remote, { seed, files: ["new-1.txt", "new-2.txt"], size: 2_000 });
  const ours = commitFiles(remote, {
    seed,
    files: ["ours.txt"],
    size: 2_000,
    ref: "refs/heads/understudy/1-x",
  });

  const second = await checkout();
  expect(second.bytes).toBeGreaterThan(0);
  expect(second.bytes).toBeLessThan(first.bytes / 10);
  expect(second).toMatchObject({ baseSha: main, remoteBranchSha: ours, headSha: ours, created: false });
  expect(inRepo(second.repoDir, ["ls-files"])).toContain("ours.txt");

  remote.git(["update-ref", "-d", "refs/heads/understudy/1-x"]);
  const third = await checkout();
  expect(third).toMatchObject({ baseSha: main, remoteBranchSha: null, headSha: main, created: true });
  expect(inRepo(mirror(), ["for-each-ref", "--format=%(refname)"])).toBe("refs/heads/main");
});

it("four concurrent checkouts of one repository all succeed, with one full transfer and a sound mirror", async () => {
  const results = await Promise.all([0, 1, 2, 3].map(() => checkout()));
  // One of them built the mirror (one pack of the whole repository); the others waited for the
  // lock and found nothing new. (Their requests interleave, so they are counted all together.)
  expect(served.requests.filter((r) => r.bytes > 100_000)).toHaveLength(1);
  expect(served.requests.reduce((n, r) => n + r.bytes, 0)).toBeLessThan(300_000);
  for (const r of results) {
    expect(r.headSha).toBe(results[0]!.headSha);
    expect(r.objectDirs).toEqual([join(mirror(), "objects")]);
    inRepo(r.repoDir, ["fsck", "--no-progress"]);
  }
  inRepo(mirror(), ["fsck", "--no-progress", "--strict"]);
  expect(readdirSync(mirrors)).toHaveLength(2);
  expect(warnings).toEqual([]);
});

it("rebuilds a mirror that is no repository any more, and the run never notices", async () => {
  const first = await checkout();
  rmSync(mirror(), { recursive: true, force: true });
  writeFileSync(mirror(), "not a repository\n");
  const second = await checkout();
  expect(second.headSha).toBe(first.headSha);
  expect(second.bytes).toBeGreaterThan(first.bytes / 2); // rebuilt: a full transfer again
  expect(second.objectDirs).toEqual([join(mirror(), "objects")]);
  expect(warnings).toEqual([expect.stringMatching(/could not update it, rebuilding it/)]);
  inRepo(mirror(), ["fsck", "--no-progress"]);
  inRepo(second.repoDir, ["fsck", "--no-progress"]);
});

it("rebuilds a mirror whose pack is damaged, and the checkout made from it is sound", async () => {
  const first = await checkout();
  const packs = join(mirror(), "objects", "pack");
  const pack = readdirSync(packs).find((f) => f.endsWith(".pack"))!;
  chmodSync(join(packs, pack), 0o644);
  const fd = openSync(join(packs, pack), "r+");
  const size = statSync(join(packs, pack)).size;
  // Zeroes across the middle of the pack: object data, not the header git checks on opening it.
  writeSync(fd, Buffer.alloc(Math.floor(size / 2)), 0, Math.floor(size / 2), Math.floor(size / 4));
  const second = await checkout();
  expect(second.headSha).toBe(first.headSha);
  // Updating it found nothing new, so the damage showed when the files were written from it (git may
  // say so on two lines, an inflate error first).
  expect(warnings).toEqual([
    expect.stringMatching(/could not clone through it: git reset .* is corrupt/s),
    expect.stringMatching(/git fsck found it broken; rebuilding it/),
  ]);
  inRepo(mirror(), ["fsck", "--no-progress"]);
  inRepo(second.repoDir, ["fsck", "--no-progress"]);
  expect(inRepo(second.repoDir, ["status", "--porcelain"])).toBe("");
});

it("clones without the mirror when it cannot be had in time", async () => {
  await checkout();
  const lockFile = join(mirrors, `${mirrorKey(served.url)}.lock`);
  const repoDir = join(root, "locked-out");
  const dirs = await withFileLock(lockFile, { waitMs: 5_000 }, () =>
    cloneThroughMirror({
      root: mirrors,
      cloneUrl: served.url,
      branch: "main",
      repoDir,
      token: TOKEN,
      log,
      lockWaitMs: 300,
    }),
  );
  expect(dirs).toBeNull();
  expect(() => statSync(repoDir)).toThrow();
  expect(warnings).toEqual([expect.stringMatching(/still held by another process/)]);

  // And through prepareCheckout: a cache root that cannot be created means a plain clone.
  const blocked = join(root, "blocked");
  writeFileSync(blocked, "");
  const plain = await prepareCheckout(spec(), join(root, "plain"), TOKEN, undefined, {
    mirrorDir: join(blocked, "mirrors"),
    log,
  });
  expect(plain.objectDirs).toEqual([]);
  expect(inRepo(plain.repoDir, ["ls-files"]).split("\n")).toHaveLength(FILES.length + 1);
});

it("a checkout made through the mirror still pushes, after the agent's own git housekeeping too", async () => {
  await checkout();
  const work = await checkout();
  writeFileSync(join(work.repoDir, "change.txt"), "change\n");
  const id = {
    GIT_AUTHOR_NAME: "A",
    GIT_AUTHOR_EMAIL: "a@example.com",
    GIT_COMMITTER_NAME: "A",
    GIT_COMMITTER_EMAIL: "a@example.com",
  };
  await git(["add", "change.txt"], { cwd: work.repoDir });
  await git(["commit", "--quiet", "-m", "Change"], { cwd: work.repoDir, env: id });
  // What an agent may run: it repacks only the checkout's own objects, never the mirror's.
  await git(["gc", "--quiet"], { cwd: work.repoDir });
  const headSha = await git(["rev-parse", "HEAD"], { cwd: work.repoDir });
  const from = served.requests.length;
  await pushBranch({
    repoDir: work.repoDir,
    scratchDir: root,
    cloneUrl: served.url,
    branch: work.branch,
    headSha,
    expectedRemoteSha: null,
    token: TOKEN,
  });
  expect(remote.git(["show", `refs/heads/${work.branch}:change.txt`])).toBe("change");
  // Only the new commit went up, not the repository.
  const pushed = served.requests.slice(from).filter((r) => r.path.endsWith("/git-receive-pack"));
  expect(pushed.length).toBeGreaterThan(0);
  remote.git(["fsck", "--no-progress"]);
  inRepo(mirror(), ["fsck", "--no-progress"]);
});

it("keys a mirror by the URL without credentials", () => {
  expect(mirrorKey("https://x-access-token:ghs_abc@github.com/acme/widgets.git")).toBe(
    mirrorKey("https://github.com/acme/widgets.git"),
  );
  expect(mirrorKey("https://github.com/acme/widgets.git")).not.toBe(
    mirrorKey("https://github.com/acme/other.git"),
  );
  expect(mirrorPath("/m", "https://github.com/acme/widgets.git")).toMatch(/^\/m\/[0-9a-f]{64}\.git$/);
});
