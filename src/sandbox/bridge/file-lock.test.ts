import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import { FileLockError, withFileLock } from "./file-lock.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function lockFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "file-lock-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "x.lock");
}

it("lets one holder in at a time", async () => {
  const file = lockFile();
  const spans: Array<[number, number]> = [];
  await Promise.all(
    [0, 1, 2].map(() =>
      withFileLock(file, { waitMs: 10_000 }, async () => {
        const start = performance.now();
        await sleep(100);
        spans.push([start, performance.now()]);
      }),
    ),
  );
  spans.sort((a, b) => a[0] - b[0]);
  expect(spans).toHaveLength(3);
  for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
});

it("gives up after the wait, and releases the lock when fn throws", async () => {
  const file = lockFile();
  let release!: () => void;
  const held = withFileLock(file, { waitMs: 10_000 }, () => new Promise<void>((r) => (release = r)));
  await sleep(200);
  await expect(withFileLock(file, { waitMs: 300 }, async () => "never")).rejects.toThrow(FileLockError);
  release();
  await held;
  await expect(
    withFileLock(file, { waitMs: 2_000 }, async () => {
      throw new Error("inside");
    }),
  ).rejects.toThrow("inside");
  expect(await withFileLock(file, { waitMs: 2_000 }, async () => "free")).toBe("free");
});

it("is free again as soon as a holder is killed: no stale lock", async () => {
  const file = lockFile();
  const holder = spawn("flock", ["--no-fork", file, "sleep", "30"], { stdio: "ignore" });
  cleanups.push(() => holder.kill("SIGKILL"));
  await sleep(300);
  await expect(withFileLock(file, { waitMs: 200 }, async () => "x")).rejects.toThrow(/still held/);
  holder.kill("SIGKILL");
  expect(await withFileLock(file, { waitMs: 5_000 }, async () => "taken")).toBe("taken");
});

it("stops waiting when aborted", async () => {
  const file = lockFile();
  let release!: () => void;
  const held = withFileLock(file, { waitMs: 10_000 }, () => new Promise<void>((r) => (release = r)));
  await sleep(200);
  const started = performance.now();
  await expect(
    withFileLock(file, { waitMs: 10_000, signal: AbortSignal.timeout(200) }, async () => "never"),
  ).rejects.toThrow(/aborted/);
  expect(performance.now() - started).toBeLessThan(5_000);
  release();
  await held;
});

it("is released when the process holding it through withFileLock is killed", async () => {
  const file = lockFile();
  const script = `
    import { withFileLock } from ${JSON.stringify(new URL("./file-lock.ts", import.meta.url).href)};
    await withFileLock(${JSON.stringify(file)}, { waitMs: 5_000 }, async () => {
      console.log("holding");
      await new Promise((r) => setTimeout(r, 60_000));
    });
  `;
  const holder = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanups.push(() => holder.kill("SIGKILL"));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the holder never took the lock")), 30_000);
    holder.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("holding")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await expect(withFileLock(file, { waitMs: 200 }, async () => "x")).rejects.toThrow(/still held/);
  holder.kill("SIGKILL");
  expect(await withFileLock(file, { waitMs: 5_000 }, async () => "taken")).toBe("taken");
});
