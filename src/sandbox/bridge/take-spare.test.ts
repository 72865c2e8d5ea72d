/**
 * Spare checkouts (prepare-spare.ts, take-spare.ts) with real git against a local remote: a run
 * claims the checkout the run before it made, ends exactly where a fresh clone through the mirror
 * would, and whatever is wrong with a spare costs the run nothing but the spare.
 */
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { commitFiles } from "../../../test/support/bridge/commit-files.js";
import { createGitRemote, type GitRemote } from "../../../test/support/bridge/git-remote.js";
import type { SandboxSpec } from "../../core/wire.js";
import type { BridgeLog } from "./log.js";
import { mirrorKey, mirrorPath, STALE_PREP_MS } from "./mirror-cache.js";
import { type Checkout, type PrepareCheckoutOptions, prepareCheckout } from "./prepare-checkout.js";
import { prepareSpare } from "./prepare-spare.js";

const FILES = Array.from({ length: 60 }, (_, i) => `src/dir-${i % 6}/file-${i}.txt`);

let root: string;
let remote: GitRemote;
let mirrors: string;
let warnings: string[];
const log: BridgeLog = { info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
const seed = () => join(root, "seed");

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "take-spare-"));
  remote = createGitRemote(root);
  commitFiles(remote, { seed: seed(), files: FILES, size: 500 });
  mirrors = join(root, "mirrors");
  warnings = [];
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function spec(branch = "understudy/1-x"): SandboxSpec {
  return {
    repo: { cloneUrl: remote.url, owner: "acme", name: "widgets", baseBranch: "main", branch },
    author: { name: "understudy[bot]", email: "1+understudy[bot]@users.noreply.github.com" },
  } as SandboxSpec;
}

let runs = 0;
/** One run's checkout through the cache; its spare awaited unless `background`, as the bridge does. */
async function checkout(opts: PrepareCheckoutOptions & { branch?: string; background?: boolean } = {}) {
  const dir = join(root, `work-${++runs}`);
  const c = await prepareCheckout(spec(opts.branch), dir, "token", undefined, {
    mirrorDir: mirrors,
    log,
    ...opts,
  });
  if (!opts.background) await c.spare;
  return c;
}
/** The same as a run that finds no spare and leaves none: the reference a claimed spare must match. */
const fresh = (branch?: string) =>
  checkout({ useSpare: false, prepareSpare: false, ...(branch ? { branch } : {}) });

const key = () => mirrorKey(remote.url);
const spares = () => readdirSync(mirrors).filter((n) => n.startsWith(`${key()}.spare-`));
const onlySpare = () => {
  const names = spares();
  expect(names).toHaveLength(1);
  return join(mirrors, names[0]!);
};
const inRepo = (dir: string, args: string[]) =>
  execFileSync("git", args, {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" },
  }).trim();
/** An unchanged file's inode: the same in the run's checkout as in the spare means it was not written. */
const inode = (dir: string) => statSync(join(dir, FILES[0]!)).ino;
/**
 * Marks a spare, so a checkout can be told to be it or not (inode numbers of removed files come
 * back in new ones): git leaves a file of its own in .git alone.
 */
const mark = (spare: string) => writeFileSync(join(spare, ".git", "test-marker"), "");
const fromSpare = (c: Checkout) => existsSync(join(c.repoDir, ".git", "test-marker"));

/** Everything a run's git sees, which must be the same whichever way the checkout was made. */
function state(c: Checkout) {
  const git = join(c.repoDir, ".git");
  return {
    config: readFileSync(join(git, "config"), "utf8"),
    alternates: readFileSync(join(git, "objects", "info", "alternates"), "utf8"),
    head: inRepo(c.repoDir, ["symbolic-ref", "HEAD"]),
    headSha: inRepo(c.repoDir, ["rev-parse", "HEAD"]),
    originHead: inRepo(c.repoDir, ["symbolic-ref", "refs/remotes/origin/HEAD"]),
    refs: inRepo(c.repoDir, ["for-each-ref", "--format=%(refname) %(objectname) %(upstream)"]),
    index: inRepo(c.repoDir, ["ls-files", "--stage"]),
    files: readdirSync(c.repoDir, { recursive: true })
      .map(String)
      .filter((p) => p !== ".git" && !p.startsWith(".git/"))
      .sort(),
    status: inRepo(c.repoDir, ["status", "--porcelain", "--ignored", "--untracked-files=all"]),
    checkout: {
      baseSha: c.baseSha,
      headSha: c.headSha,
      remoteBranchSha: c.remoteBranchSha,
      created: c.created,
      objectDirs: c.objectDirs,
    },
  };
}

it("a later run claims the spare the run before left, brought up to the remote, the same as a fresh clone", async () => {
  commitFiles(remote, { seed: seed(), files: ["doomed.txt"], size: 100, ref: "refs/heads/doomed" });
  const first = await checkout();
  expect(first.spare).toBeInstanceOf(Promise);
  const spare = onlySpare();
  const spareInode = inode(spare);
  mark(spare);
  expect(inRepo(spare, ["remote", "get-url", "origin"])).toBe(remote.url);

  // Between the runs the base branch moves on (a new file, a changed one, a removed one), a branch
  // goes, and the session's branch appears on the remote.
  execFileSync("git", ["rm", "--quiet", FILES[5]!], { cwd: seed() });
  const moved = commitFiles(remote, { seed: seed(), files: ["new.txt", FILES[1]!], size: 300 });
  remote.git(["update-ref", "-d", "refs/heads/doomed"]);
  const pushed = commitFiles(remote, {
    seed: seed(),
    files: ["ours.txt"],
    size: 100,
    ref: "refs/heads/understudy/2-y",
  });

  const second = await checkout({ branch: "understudy/2-y", background: true });
  expect(existsSync(spare)).toBe(false);
  expect(inode(second.repoDir)).toBe(spareInode);
  expect(second).toMatchObject({ baseSha: moved, headSha: pushed, remoteBranchSha: pushed, created: false });
  expect(inRepo(second.repoDir, ["rev-parse", "main"])).toBe(moved);
  expect(inRepo(second.repoDir, ["ls-files"])).toContain("new.txt");
  expect(inRepo(second.repoDir, ["ls-files"])).not.toContain(FILES[5]);
  expect(readFileSync(join(second.repoDir, FILES[1]!), "utf8")).toBe(
    remote.git(["show", `${moved}:${FILES[1]}`]),
  );
  expect(fromSpare(second)).toBe(true);
  await second.spare;

  const reference = await fresh("understudy/2-y");
  expect(fromSpare(reference)).toBe(false);
  expect(state(second)).toEqual({ ...state(reference), files: state(second).files });
  expect(state(second).files).toEqual(state(reference).files);
  expect(state(second).status).toBe("");
  expect(state(second).config).not.toContain(mirrors);
  inRepo(second.repoDir, ["fsck", "--no-progress"]);
  // The second run left a spare of its own, made after the base branch moved.
  expect(inRepo(onlySpare(), ["rev-parse", "HEAD"])).toBe(moved);
  expect(warnings).toEqual([]);
});

it("a first run on a new branch claims the spare the same way a fresh clone checks out", async () => {
  await checkout();
  const spareInode = inode(onlySpare());
  const claimed = await checkout({ branch: "understudy/3-z" });
  expect(inode(claimed.repoDir)).toBe(spareInode);
  const reference = await fresh("understudy/3-z");
  expect(state(claimed)).toEqual(state(reference));
  expect(state(claimed).status).toBe("");
  expect(warnings).toEqual([]);
});

it("two concurrent runs and one spare: one claims it, the other clones, both are right", async () => {
  await checkout();
  mark(onlySpare());
  const [a, b] = await Promise.all([
    checkout({ branch: "understudy/4-a", prepareSpare: false }),
    checkout({ branch: "understudy/4-b", prepareSpare: false }),
  ]);
  expect([a, b].filter(fromSpare)).toHaveLength(1);
  expect(spares()).toEqual([]);
  for (const c of [a, b]) {
    const reference = await fresh(c.branch);
    expect(state(c)).toEqual(state(reference));
  }
  expect(warnings).toEqual([]);
});

it.each([
  ["its index is garbage", (dir: string) => writeFileSync(join(dir, ".git", "index"), "not an index\n")],
  // Found only at the checkout, after the lock: the run clones, taking the lock again.
  ["its index is locked", (dir: string) => writeFileSync(join(dir, ".git", "index.lock"), "")],
  ["its HEAD is garbage", (dir: string) => writeFileSync(join(dir, ".git", "HEAD"), "garbage\n")],
  ["its alternates are gone", (dir: string) => rmSync(join(dir, ".git", "objects", "info", "alternates"))],
  [
    "it borrows from elsewhere",
    (dir: string) =>
      writeFileSync(
        join(dir, ".git", "objects", "info", "alternates"),
        `${join(root, "seed", ".git", "objects")}\n`,
      ),
  ],
  [
    "it is on another base branch",
    (dir: string) => writeFileSync(join(dir, ".git", "HEAD"), "ref: refs/heads/develop\n"),
  ],
  ["it is no repository at all", (dir: string) => rmSync(join(dir, ".git"), { recursive: true })],
])("a spare is discarded when %s, and the run clones as without one", async (_, damage) => {
  await checkout();
  const spare = onlySpare();
  mark(spare);
  damage(spare);
  const claimed = await checkout({ prepareSpare: false });
  expect(existsSync(spare)).toBe(false);
  expect(fromSpare(claimed)).toBe(false);
  expect(warnings).toEqual([
    expect.stringMatching(/(discarded|could not update|could not check out) the spare checkout/),
  ]);
  const reference = await fresh();
  expect(state(claimed)).toEqual(state(reference));
  inRepo(claimed.repoDir, ["fsck", "--no-progress"]);
});

it("keeps one spare per repository, and never one half made", async () => {
  await checkout();
  const spare = onlySpare();
  await prepareSpare({ root: mirrors, cloneUrl: remote.url, branch: "main", log });
  await checkout({ useSpare: false });
  expect(spares()).toEqual([spare.slice(mirrors.length + 1)]);
  expect(readdirSync(mirrors).filter((n) => n.includes(".prep-"))).toEqual([]);
  expect(warnings).toEqual([]);
});

it("removes a stale spare in the making (its bridge was killed), keeps a recent one and a ready spare", async () => {
  await checkout();
  const spare = onlySpare();
  const stale = join(mirrors, `${key()}.prep-0123456789ab`);
  const recent = join(mirrors, `${key()}.prep-ba9876543210`);
  for (const dir of [stale, recent]) mkdirSync(join(dir, ".git"), { recursive: true });
  const old = new Date(Date.now() - STALE_PREP_MS - 60_000);
  utimesSync(stale, old, old);
  // Not even a run that takes no spare and makes none disturbs a ready one.
  await checkout({ useSpare: false, prepareSpare: false });
  expect(existsSync(stale)).toBe(false);
  expect(existsSync(recent)).toBe(true);
  expect(existsSync(spare)).toBe(true);
  // A prep directory is never claimed.
  rmSync(spare, { recursive: true });
  const next = await checkout({ prepareSpare: false });
  expect(existsSync(recent)).toBe(true);
  expect(state(next).status).toBe("");
});

it("makes no spare without the cache, or when told not to", async () => {
  const plain = await prepareCheckout(spec(), join(root, "plain"), "token", undefined, {
    mirrorDir: "",
    log,
  });
  expect(plain.spare).toBeUndefined();
  const off = await checkout({ prepareSpare: false });
  expect(off.spare).toBeUndefined();
  expect(spares()).toEqual([]);
  expect(mirrorPath(mirrors, remote.url)).toBe(join(mirrors, `${key()}.git`));
});
