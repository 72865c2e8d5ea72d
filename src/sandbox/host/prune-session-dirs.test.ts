import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { holdFileLock } from "../bridge/hold-file-lock.js";
import { pruneSessionDirs, sessionTtlMs } from "./prune-session-dirs.js";
import { sessionDirOf, sessionKey } from "./session-dir.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const HOUR = 3_600_000;

function sessionAged(root: string, id: string, hoursAgo: number): string {
  const dir = sessionDirOf(root, id);
  mkdirSync(join(dir, "home"), { recursive: true });
  const then = new Date(Date.now() - hoursAgo * HOUR);
  utimesSync(dir, then, then);
  return dir;
}

it("removes the session directories unused for longer than the TTL, but not one in use or locked", async () => {
  const root = mkdtempSync(join(tmpdir(), "understudy-prune-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const idle = sessionAged(root, "idle", 30);
  const recent = sessionAged(root, "recent", 2);
  const running = sessionAged(root, "running", 30);
  const locked = sessionAged(root, "locked", 30);
  const lock = await holdFileLock(join(locked, "lock"), { waitMs: 1_000 });
  cleanups.push(() => lock.release());
  utimesSync(locked, new Date(Date.now() - 30 * HOUR), new Date(Date.now() - 30 * HOUR));
  mkdirSync(join(root, "sessions", "not-a-key"));

  const removed = await pruneSessionDirs(root, {
    maxAgeMs: 24 * HOUR,
    inUse: () => new Set([sessionKey("running")]),
    lockWaitMs: 100,
  });
  expect(removed).toEqual([sessionKey("idle")]);
  expect(existsSync(idle)).toBe(false);
  for (const kept of [recent, running, locked, join(root, "sessions", "not-a-key")])
    expect(existsSync(kept)).toBe(true);
  // No sessions directory at all is nothing to do.
  expect(await pruneSessionDirs(join(root, "none"), { maxAgeMs: HOUR })).toEqual([]);
});

it("reads SANDBOX_SESSION_TTL_HOURS as hours, 24 unless it is a positive number", () => {
  expect(sessionTtlMs("2")).toBe(2 * HOUR);
  expect(sessionTtlMs("0.5")).toBe(HOUR / 2);
  for (const v of [undefined, "", "0", "-3", "soon"]) expect(sessionTtlMs(v)).toBe(24 * HOUR);
});

it("keys a session's directory by a hash of its id, never by the id itself", () => {
  const dir = sessionDirOf("/r", "../../etc");
  expect(dir).toMatch(/^\/r\/sessions\/[0-9a-f]{32}$/);
  expect(sessionDirOf("/r", "a")).toBe(sessionDirOf("/r", "a"));
  expect(sessionDirOf("/r", "a")).not.toBe(sessionDirOf("/r", "b"));
});
