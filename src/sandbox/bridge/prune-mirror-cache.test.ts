/**
 * Pruning the mirror cache with real mirrors and spares (one local remote per repository): an idle
 * repository goes, a recent one and one whose lock is held stay.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, utimesSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createGitRemote } from "../../../test/support/bridge/git-remote.js";
import type { SandboxSpec } from "../../core/wire.js";
import { withFileLock } from "./file-lock.js";
import { silentLog } from "./log.js";
import { mirrorKey } from "./mirror-cache.js";
import { prepareCheckout } from "./prepare-checkout.js";
import { pruneMirrorCache } from "./prune-mirror-cache.js";

const DAY = 24 * 60 * 60_000;
let root: string;
let mirrors: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "prune-mirror-cache-"));
  mirrors = join(root, "mirrors");
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A repository checked out once through the cache, leaving its mirror, lock and a spare. */
async function repository(name: string) {
  mkdirSync(join(root, name));
  const remote = createGitRemote(join(root, name));
  const spec = {
    repo: { cloneUrl: remote.url, owner: "acme", name, baseBranch: "main", branch: "understudy/1-x" },
    author: { name: "understudy[bot]", email: "bot@example.com" },
  } as SandboxSpec;
  let runs = 0;
  const checkout = async () => {
    const c = await prepareCheckout(spec, join(root, name, `work-${++runs}`), "token", undefined, {
      mirrorDir: mirrors,
      log: silentLog,
    });
    await c.spare;
    return c;
  };
  await checkout();
  const key = mirrorKey(remote.url);
  return { key, checkout, files: () => readdirSync(mirrors).filter((n) => n.startsWith(key)) };
}

/** Sets a repository's last use (its lock file's and mirror's mtime) `ms` in the past. */
function lastUsed(key: string, ms: number) {
  const then = new Date(Date.now() - ms);
  for (const n of [`${key}.lock`, `${key}.git`]) utimesSync(join(mirrors, n), then, then);
}

it("removes the mirror and spares of a repository idle for longer than maxAgeMs, and no other", async () => {
  const idle = await repository("idle");
  const recent = await repository("recent");
  const busy = await repository("busy");
  expect(idle.files().some((n) => n.includes(".spare-"))).toBe(true);
  lastUsed(idle.key, 3 * DAY);
  lastUsed(recent.key, DAY / 2);
  lastUsed(busy.key, 3 * DAY);
  const recentFiles = recent.files();
  const busyFiles = busy.files();

  // A run holds the busy repository's lock: pruning waits a little, then leaves it for next time.
  const removed = await withFileLock(join(mirrors, `${busy.key}.lock`), { waitMs: 5_000 }, () =>
    pruneMirrorCache(mirrors, { maxAgeMs: DAY, lockWaitMs: 200 }),
  );

  expect(removed).toEqual([idle.key]);
  // The lock file stays (file-lock.ts), and only it.
  expect(idle.files()).toEqual([`${idle.key}.lock`]);
  expect(recent.files()).toEqual(recentFiles);
  expect(busy.files()).toEqual(busyFiles);
  expect(existsSync(join(mirrors, `${recent.key}.git`))).toBe(true);

  // Released, the busy one goes next time; nothing is left to remove of the idle one.
  expect(await pruneMirrorCache(mirrors, { maxAgeMs: DAY, lockWaitMs: 200 })).toEqual([busy.key]);
  expect(busy.files()).toEqual([`${busy.key}.lock`]);
});

it("a run on a pruned repository builds its mirror again", async () => {
  const repo = await repository("again");
  lastUsed(repo.key, 2 * DAY);
  expect(await pruneMirrorCache(mirrors, { maxAgeMs: DAY })).toEqual([repo.key]);
  const c = await repo.checkout();
  expect(c.objectDirs).toEqual([join(mirrors, `${repo.key}.git`, "objects")]);
  expect(repo.files().sort()).toEqual([
    `${repo.key}.git`,
    `${repo.key}.lock`,
    expect.stringMatching(/\.spare-/),
  ]);
  // And a cache root that does not exist is simply empty.
  expect(await pruneMirrorCache(join(root, "none"), { maxAgeMs: DAY })).toEqual([]);
});

it("every run counts as a use: a repository checked out again is no longer idle", async () => {
  const repo = await repository("used");
  lastUsed(repo.key, 3 * DAY);
  await repo.checkout();
  expect(await pruneMirrorCache(mirrors, { maxAgeMs: DAY })).toEqual([]);
  expect(repo.files()).toContain(`${repo.key}.git`);
});
