/**
 * The bridge as the host runs it: bundled once by esbuild, started with plain node. Builds go to a
 * temporary directory inside the project's .understudy/ (the bundle must sit above node_modules).
 */
import { spawn } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { BUNDLE_MAX_AGE_MS, buildBridge, builtBridgeFile, DEFAULT_BUILD_DIR } from "./build-bridge.js";
import { defaultBridgeCommand } from "./spawn-bridge.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function outDir(): string {
  mkdirSync(DEFAULT_BUILD_DIR, { recursive: true });
  const dir = mkdtempSync(join(DEFAULT_BUILD_DIR, "test-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A small entry of the test's own: its bundle stays the same while the bridge's sources change
 * (other work edits them while tests run), so builds at different moments can be compared.
 */
function fixtureEntry(dir: string): string {
  const entry = join(dir, "fixture-main.ts");
  writeFileSync(
    entry,
    'import { WebSocket } from "ws";\nprocess.exitCode = typeof WebSocket === "function" ? 2 : 1;\n',
  );
  return entry;
}

/** Runs `command args`, writes `stdin`, and resolves with its exit code and stderr (bounded). */
function runWith(
  command: string,
  args: string[],
  stdin: string,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "ignore", "pipe"] });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} did not exit within 30 s`));
    }, 30_000);
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
    child.stdin.end(stdin);
  });
}

it("builds a bridge that runs under plain node: an invalid spec exits 2 and says why", async () => {
  const build = await buildBridge({ outDir: outDir() });
  expect(build.file).toMatch(/bridge-[0-9a-f]{16}\.mjs$/);
  const bad = await runWith(process.execPath, [build.file], JSON.stringify({ run: "one" }));
  expect(bad).toEqual({
    code: 2,
    stderr: expect.stringMatching(/^\[bridge\] error: invalid spec on stdin: /),
  });
  const notJson = await runWith(process.execPath, [build.file], "{not json");
  expect(notJson.code).toBe(2);
  expect(notJson.stderr).toMatch(/could not read the spec from stdin/);
});

it("builds once per process: concurrent callers share one build and one file", async () => {
  const dir = outDir();
  const builds = await Promise.all([0, 1, 2, 3].map(() => buildBridge({ outDir: dir })));
  expect(new Set(builds).size).toBe(1);
  expect(readdirSync(dir)).toEqual([builds[0]!.file.slice(dir.length + 1)]);
  expect(await buildBridge({ outDir: dir })).toBe(builds[0]);
});

it("gives the host's default command once the default build has finished, and not before", async () => {
  expect(() => defaultBridgeCommand()).toThrow(/the bridge has not been built/);
  const [build] = await Promise.all([buildBridge(), buildBridge()]);
  expect(build!.file.startsWith(`${DEFAULT_BUILD_DIR}/bridge-`)).toBe(true);
  expect(defaultBridgeCommand()).toEqual({ command: process.execPath, args: [build!.file] });
  expect(builtBridgeFile()).toBe(build!.file);
});

it("reuses an identical bundle left by another process, and replaces a damaged one", async () => {
  const entry = fixtureEntry(outDir());
  const first = await buildBridge({ outDir: outDir(), entry });
  const other = outDir();
  const name = first.file.slice(first.file.lastIndexOf("/") + 1);
  // Another process's build of the same sources, cut short.
  writeFileSync(join(other, name), "// truncated");
  const repaired = await buildBridge({ outDir: other, entry });
  expect(repaired).toMatchObject({ hash: first.hash, reused: false });
  expect(readFileSync(repaired.file)).toEqual(readFileSync(first.file));

  const third = outDir();
  writeFileSync(join(third, name), readFileSync(first.file));
  const { ino } = statSync(join(third, name));
  expect(await buildBridge({ outDir: third, entry })).toMatchObject({ hash: first.hash, reused: true });
  // The same file, not a new one renamed over it (its mtime is touched: it is in use again).
  expect(statSync(join(third, name)).ino).toBe(ino);
});

it("two host processes building at once leave one complete file", async () => {
  const dir = outDir();
  const entry = fixtureEntry(outDir());
  const script = `
    import { buildBridge } from ${JSON.stringify(new URL("./build-bridge.ts", import.meta.url).href)};
    const b = await buildBridge({ outDir: ${JSON.stringify(dir)}, entry: ${JSON.stringify(entry)} });
    console.log(b.hash);
  `;
  const builders = [0, 1, 2].map(
    () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
          stdio: ["ignore", "pipe", "inherit"],
        });
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error("a builder did not finish within 60 s"));
        }, 60_000);
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString("utf8");
        });
        child.on("close", (code) => {
          clearTimeout(timer);
          if (code === 0) resolve(out.trim());
          else reject(new Error(`a builder exited ${code}`));
        });
      }),
  );
  const hashes = await Promise.all(builders);
  expect(new Set(hashes).size).toBe(1);
  const files = readdirSync(dir);
  expect(files).toEqual([`bridge-${hashes[0]!.slice(0, 16)}.mjs`]);
  // Complete: it runs, `ws` bundled and working, and exits as the fixture says.
  const ran = await runWith(process.execPath, [join(dir, files[0]!)], "");
  expect(ran.code).toBe(2);
}, 90_000);

it("fails with the file and line esbuild could not get past", async () => {
  const dir = outDir();
  const entry = join(dir, "broken.ts");
  writeFileSync(entry, 'import { nothing } from "./nowhere.js";\nnothing();\n');
  await expect(buildBridge({ outDir: dir, entry })).rejects.toThrow(
    /^could not build the bridge \(.*broken\.ts\): .*broken\.ts:1: Could not resolve "\.\/nowhere\.js"/,
  );
});

it("removes bundles no host has used for a week, and keeps the one it built, recent ones and other files", async () => {
  const dir = outDir();
  const weekAgo = (Date.now() - BUNDLE_MAX_AGE_MS - 60_000) / 1000;
  const old = ["bridge-0123456789abcdef.mjs", "bridge-fedcba9876543210.mjs.123-abcd.tmp"];
  const recent = "bridge-00000000aaaaaaaa.mjs";
  const other = "notes.txt";
  for (const name of [...old, recent, other]) writeFileSync(join(dir, name), "x");
  for (const name of [...old, other]) utimesSync(join(dir, name), weekAgo, weekAgo);

  const built = await buildBridge({ outDir: dir, entry: fixtureEntry(dir) });
  const left = readdirSync(dir);
  expect(left).toEqual(expect.arrayContaining([recent, other, built.file.split("/").at(-1)]));
  for (const name of old) expect(left).not.toContain(name);
});
