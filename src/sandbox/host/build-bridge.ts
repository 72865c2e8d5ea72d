/**
 * Builds the bridge once, with esbuild, so that each run starts it with plain `node` instead of
 * compiling TypeScript through tsx on every spawn (docs/BENCHMARKS.md, "Quick to start").
 *
 * The output is `.understudy/build/bridge-<hash of its content>.mjs` inside the project, on purpose:
 * what is not bundled (node built-ins, and the agent CLIs, found at run time through
 * `createRequire(import.meta.url).resolve("@anthropic-ai/claude-code/package.json")`) resolves from
 * the bundle's own location, so it must sit above the project's node_modules. The name carries the
 * hash, so a file that exists already with the right content is reused, and a host started from
 * other sources can never run a stale bundle; it is written to a temporary name and renamed, so two
 * builders at once (two hosts, two test workers) never leave a half-written file. esbuild runs in a
 * child process of its own (esbuild-in-child.ts), so nothing of it stays behind in the host.
 *
 * Every change of the sources makes a new bundle; each build removes the bundles of the directory
 * that no host has used for {@link BUNDLE_MAX_AGE_MS} (a host marks its own as used, by its mtime, as
 * it spawns bridges), so a host running for months keeps its file and the directory stays small.
 */
import { createHash, randomBytes } from "node:crypto";
import { utimesSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { esbuildInChild } from "./esbuild-in-child.js";
import type { BridgeCommand } from "./spawn-bridge.js";

export type BridgeBuild = {
  /** Absolute path of the bundle: run it as `node <file>`. */
  file: string;
  /** sha256 of the bundle, hex. */
  hash: string;
  /** An identical bundle was there already, and was left as it was. */
  reused: boolean;
  /** Wall time of the build, bundling included. */
  ms: number;
};

export type BuildBridgeOptions = {
  /** Default `.understudy/build` in the project. Must be inside the project (see above). */
  outDir?: string;
  /** Default src/sandbox/bridge/main.ts. */
  entry?: string;
  /** Bundles and leftovers unused for longer are removed after the build; default a week. */
  maxAgeMs?: number;
};

/** How long a bundle no host uses is kept: long enough for a host restarted on old sources. */
export const BUNDLE_MAX_AGE_MS = 7 * 24 * 3_600_000;
/** How often a host marks its bundle as used (at most). */
const TOUCH_EVERY_MS = 3_600_000;

const PROJECT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BRIDGE_MAIN = fileURLToPath(new URL("../bridge/main.ts", import.meta.url));
export const DEFAULT_BUILD_DIR = join(PROJECT_ROOT, ".understudy", "build");

// `ws` is CommonJS and requires node built-ins; esbuild's ESM output has no `require` of its own
// for those calls to use, so the bundle gets one (esbuild's documented workaround).
const BANNER =
  'import { createRequire as __understudyCreateRequire } from "node:module";\n' +
  "const require = __understudyCreateRequire(import.meta.url);";

// A path made relative to the module's own file would point into .understudy/build once bundled.
const MODULE_RELATIVE_URL = /new URL\(\s*["'`]\.{1,2}\/[^"'`]*["'`]\s*,\s*import\.meta\.url\s*\)/;

const builds = new Map<string, Promise<BridgeBuild>>();
let defaultBuild: BridgeBuild | undefined;

/**
 * Builds the bridge into `outDir`, at most once per process and directory: concurrent and later
 * callers share the first call's result. A failed build is forgotten, so a later call tries again.
 */
export function buildBridge(opts: BuildBridgeOptions = {}): Promise<BridgeBuild> {
  const outDir = opts.outDir ?? DEFAULT_BUILD_DIR;
  const entry = opts.entry ?? BRIDGE_MAIN;
  const key = `${outDir}\0${entry}`;
  let pending = builds.get(key);
  if (!pending) {
    pending = bundle(outDir, entry).then(
      async (result) => {
        if (outDir === DEFAULT_BUILD_DIR && entry === BRIDGE_MAIN) defaultBuild = result;
        await pruneBundles(outDir, result.file, opts.maxAgeMs ?? BUNDLE_MAX_AGE_MS);
        return result;
      },
      (err: unknown) => {
        builds.delete(key);
        throw new Error(
          `could not build the bridge (${entry}): ${err instanceof Error ? err.message : String(err)}`,
        );
      },
    );
    builds.set(key, pending);
  }
  return pending;
}

/** The bundle of this process's default build (what the host awaits); throws if it has not finished. */
export function builtBridgeFile(): string {
  if (!defaultBuild) throw new Error("the bridge has not been built: await buildBridge() before spawning it");
  markUsed(defaultBuild.file);
  return defaultBuild.file;
}

/**
 * Marks this host's bundle as used every hour while the host runs, so an idle host's bundle is not
 * pruned by another build in the same project (a test run, a host started on newer sources).
 */
export function keepBundleMarked(): () => void {
  const timer = setInterval(() => {
    lastTouched = 0;
    if (defaultBuild) markUsed(defaultBuild.file);
  }, TOUCH_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

let lastTouched = 0;

/** Sets the bundle's mtime to now (hourly at most), so another host's build does not prune it. */
function markUsed(file: string): void {
  const now = Date.now();
  if (now - lastTouched < TOUCH_EVERY_MS) return;
  lastTouched = now;
  try {
    utimesSync(file, now / 1000, now / 1000);
  } catch {
    // Gone (pruned by hand): the spawn that follows says so.
  }
}

/**
 * Removes bundles (`bridge-*.mjs`) and temporary files in `outDir` not modified for `maxAgeMs`,
 * never `keep`. Anything else in the directory is not the build's and is left alone.
 */
export async function pruneBundles(outDir: string, keep: string, maxAgeMs: number): Promise<string[]> {
  const removed: string[] = [];
  const names = await readdir(outDir).catch(() => [] as string[]);
  const cutoff = Date.now() - maxAgeMs;
  for (const name of names) {
    if (!/^bridge-[0-9a-f]{16}\.mjs(\..*\.tmp)?$/.test(name)) continue;
    const file = join(outDir, name);
    if (file === keep) continue;
    const info = await stat(file).catch(() => null);
    if (!info || info.mtimeMs >= cutoff) continue;
    await rm(file, { force: true });
    removed.push(name);
  }
  return removed;
}

/** The bridge from its TypeScript sources through tsx, as before the build (the bench compares). */
export function tsxBridgeCommand(): BridgeCommand {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  return { command: process.execPath, args: ["--import", tsx, BRIDGE_MAIN] };
}

async function bundle(outDir: string, entry: string): Promise<BridgeBuild> {
  const started = performance.now();
  const contents = await esbuildInChild({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Built-ins are external on platform "node". The agent CLIs are never imported (they are found
    // by path at run time), but are named so a future import cannot pull a package of binaries in.
    external: ["@anthropic-ai/claude-code", "@openai/codex"],
    banner: { js: BANNER },
    legalComments: "none",
  });
  const text = contents.toString("utf8");
  const relative = MODULE_RELATIVE_URL.exec(text);
  if (relative) {
    throw new Error(
      `the bridge resolves a file next to its own module (${relative[0]}), which a bundle in ` +
        `${outDir} cannot: find it from the project root instead`,
    );
  }
  const hash = createHash("sha256").update(contents).digest("hex");
  const file = join(outDir, `bridge-${hash.slice(0, 16)}.mjs`);
  const existing = await readFile(file).catch(() => null);
  if (existing && createHash("sha256").update(existing).digest("hex") === hash) {
    // In use again: not to be pruned as unused by another host's build.
    const now = Date.now() / 1000;
    utimesSync(file, now, now);
    return { file, hash, reused: true, ms: performance.now() - started };
  }
  await mkdir(outDir, { recursive: true });
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, contents);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  return { file, hash, reused: false, ms: performance.now() - started };
}
