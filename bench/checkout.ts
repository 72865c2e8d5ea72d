/**
 * `npm run bench -- checkout` (also part of `npm run bench -- quick-start`): how long a run's
 * checkout takes without the mirror cache, with an empty one (the first run on a repository) and
 * with a warm one that has nothing new to fetch (a later run), on a repository of ~3,000 files with
 * some history, served by the tests' git remote: the real `git http-backend` over HTTP on
 * 127.0.0.1, demanding the token as GitHub does.
 *
 * Each sample is the bridge's own `prepareCheckout` (clone, session branch, identity), timed end to
 * end; the bytes are what the server sent for it. Then the parts, to say where the time goes: the
 * transfer (a clone without checkout) against writing the files (`reset --hard`) on the plain path,
 * and on the warm path the mirror's update, the clone of its refs, and writing the files.
 * Loopback makes the transfer as cheap as it can ever be, so the warm ÷ cold ratio here is the
 * least favourable to the cache; over the internet to GitHub the transfer is far slower.
 */
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SandboxSpec } from "../src/core/wire.js";
import { git } from "../src/sandbox/bridge/git.js";
import { silentLog } from "../src/sandbox/bridge/log.js";
import { mirrorPath } from "../src/sandbox/bridge/mirror-cache.js";
import { prepareCheckout } from "../src/sandbox/bridge/prepare-checkout.js";
import { commitFiles } from "../test/support/bridge/commit-files.js";
import { createGitRemote } from "../test/support/bridge/git-remote.js";
import { serveGitRemote } from "../test/support/bridge/serve-git-remote.js";
import { median } from "./median.js";

const TOKEN = "ghs_BenchCheckoutToken0123456789abcdefAB";
const FILES = 3_000;
const FILE_BYTES = 2_000;
/** Later commits, each changing this many files: a little history, as a real repository has. */
const HISTORY = { commits: 20, files: 50 };

export type Timed = { ms: number; bytes: number };
export type CheckoutBenchResult = {
  runs: number;
  files: number;
  commits: number;
  plain: Timed;
  cold: Timed;
  warm: Timed;
  parts: {
    transferMs: number;
    filesMs: number;
    refreshMs: number;
    refsCloneMs: number;
    warmFilesMs: number;
  };
};

export async function runCheckoutBench(
  runs: number,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<CheckoutBenchResult> {
  const root = await mkdtemp(join(tmpdir(), "understudy-bench-checkout-"));
  const remote = createGitRemote(root);
  const seed = join(root, "seed");
  const names = Array.from({ length: FILES }, (_, i) => `src/pkg-${i % 40}/module-${i}.ts`);
  commitFiles(remote, { seed, files: names, size: FILE_BYTES, kind: "source" });
  for (let c = 0; c < HISTORY.commits; c++) {
    const changed = Array.from({ length: HISTORY.files }, (_, i) => names[(c * 97 + i * 31) % FILES]!);
    commitFiles(remote, { seed, files: changed, size: FILE_BYTES, kind: "source", message: `Change ${c}` });
  }
  const served = await serveGitRemote(remote, { accepts: (p) => p === TOKEN });
  const spec = {
    repo: {
      cloneUrl: served.url,
      owner: "acme",
      name: "widgets",
      baseBranch: "main",
      branch: "understudy/1-bench",
    },
    author: { name: "understudy[bot]", email: "bot@example.com" },
  } as SandboxSpec;

  let n = 0;
  const fresh = () => join(root, `work-${++n}`);
  const bytesSince = (from: number) => served.requests.slice(from).reduce((sum, r) => sum + r.bytes, 0);
  const timed = async (mirrorDir: string): Promise<Timed> => {
    const from = served.requests.length;
    const dir = fresh();
    const started = performance.now();
    await prepareCheckout(spec, dir, TOKEN, undefined, { mirrorDir, log: silentLog });
    const ms = performance.now() - started;
    rmSync(dir, { recursive: true, force: true });
    return { ms, bytes: bytesSince(from) };
  };
  const time = async (fn: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await fn();
    return performance.now() - started;
  };

  try {
    const warmRoot = join(root, "mirrors-warm");
    await timed(warmRoot); // creates the warm mirror; also warms the page cache for everyone
    const warmMirror = mirrorPath(warmRoot, served.url);
    const samples = { plain: [] as Timed[], cold: [] as Timed[], warm: [] as Timed[] };
    const parts = {
      transferMs: [] as number[],
      filesMs: [] as number[],
      refreshMs: [] as number[],
      refsCloneMs: [] as number[],
      warmFilesMs: [] as number[],
    };
    for (let i = 0; i < runs; i++) {
      samples.plain.push(await timed(""));
      const coldRoot = join(root, `mirrors-cold-${i}`);
      samples.cold.push(await timed(coldRoot));
      rmSync(coldRoot, { recursive: true, force: true });
      samples.warm.push(await timed(warmRoot));

      const plainDir = fresh();
      parts.transferMs.push(
        await time(() =>
          git(
            [
              "clone",
              "--quiet",
              "--no-tags",
              "--no-checkout",
              "--branch",
              "main",
              "--",
              served.url,
              plainDir,
            ],
            {
              token: TOKEN,
            },
          ),
        ),
      );
      parts.filesMs.push(await time(() => git(["reset", "--quiet", "--hard"], { cwd: plainDir })));
      rmSync(plainDir, { recursive: true, force: true });
      parts.refreshMs.push(
        await time(() =>
          git(
            [
              "--git-dir",
              warmMirror,
              "fetch",
              "--quiet",
              "--no-tags",
              "--prune",
              "--no-write-fetch-head",
              "--",
              served.url,
              "+refs/heads/*:refs/heads/*",
            ],
            { token: TOKEN },
          ),
        ),
      );
      const sharedDir = fresh();
      parts.refsCloneMs.push(
        await time(() =>
          git([
            "clone",
            "--quiet",
            "--shared",
            "--no-checkout",
            "--no-tags",
            "--branch",
            "main",
            "--",
            warmMirror,
            sharedDir,
          ]),
        ),
      );
      parts.warmFilesMs.push(await time(() => git(["reset", "--quiet", "--hard"], { cwd: sharedDir })));
      rmSync(sharedDir, { recursive: true, force: true });
      const last = (xs: Timed[]) => `${Math.round(xs.at(-1)!.ms)} ms`;
      log(
        `checkout ${i + 1}/${runs}: plain ${last(samples.plain)}, cold ${last(samples.cold)}, warm ${last(samples.warm)}`,
      );
    }
    const med = (xs: Timed[]): Timed => ({
      ms: median(xs.map((x) => x.ms)),
      bytes: median(xs.map((x) => x.bytes)),
    });
    return {
      runs,
      files: FILES,
      commits: HISTORY.commits + 2,
      plain: med(samples.plain),
      cold: med(samples.cold),
      warm: med(samples.warm),
      parts: {
        transferMs: median(parts.transferMs),
        filesMs: median(parts.filesMs),
        refreshMs: median(parts.refreshMs),
        refsCloneMs: median(parts.refsCloneMs),
        warmFilesMs: median(parts.warmFilesMs),
      },
    };
  } finally {
    await served.close();
    rmSync(root, { recursive: true, force: true });
  }
}

const ms = (x: number) => `${Math.round(x)} ms`;
const kb = (x: number) =>
  x < 10_000
    ? `${Math.round(x).toLocaleString("en")} bytes`
    : `${Math.round(x / 1024).toLocaleString("en")} KB`;

export function checkoutRows(r: CheckoutBenchResult): [string, string][] {
  return [
    ["checkout without a mirror cache (as before)", `${ms(r.plain.ms)}, ${kb(r.plain.bytes)} sent`],
    ["**cold**: empty cache, the mirror is created", `**${ms(r.cold.ms)}**, ${kb(r.cold.bytes)} sent`],
    ["**warm**: mirror present, nothing new", `**${ms(r.warm.ms)}**, ${kb(r.warm.bytes)} sent`],
    ["**warm ÷ cold**", `**${(r.warm.ms / r.cold.ms).toFixed(2)}**`],
    ["warm ÷ no cache", (r.warm.ms / r.plain.ms).toFixed(2)],
    ["part: transfer (clone --no-checkout over HTTP)", ms(r.parts.transferMs)],
    ["part: writing the files (reset --hard), from the clone's own pack", ms(r.parts.filesMs)],
    ["part: mirror update, nothing new (fetch --prune)", ms(r.parts.refreshMs)],
    ["part: clone of the mirror's refs (--shared --no-checkout)", ms(r.parts.refsCloneMs)],
    ["part: writing the files (reset --hard), objects from the mirror", ms(r.parts.warmFilesMs)],
  ];
}
