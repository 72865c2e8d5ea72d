/**
 * `npm run bench -- checkout` (also part of `npm run bench -- quick-start`): how long a run's
 * checkout takes without the mirror cache, with an empty one (the first run on a repository) and
 * with a warm one that has nothing new to fetch (a later run), on a repository of ~3,000 files with
 * some history, served by the tests' git remote: the real `git http-backend` over HTTP on
 * 127.0.0.1, demanding the token as GitHub does.
 *
 * Each sample is the bridge's own `prepareCheckout` (clone, session branch, identity), timed end to
 * end; the bytes are what the server sent for it. *Warm* is a run whose previous run left a spare
 * checkout (prepare-spare.ts): the previous sample's `spare` is awaited first, as the bridge awaits
 * it before it exits, and its own time, in the background of that run, is reported apart. *Warm
 * without a spare* is what a second run that comes while the first is still working gets (the one
 * spare is taken), measured with spares turned off. Then the parts, to say where the time goes: the
 * transfer (a clone without checkout) against writing the files (`reset --hard`) on the plain path;
 * on the warm path the mirror's update, the clone of its refs, and writing the files; and claiming
 * a spare: the fetch of the mirror's refs into it, and the checkout of the base branch.
 * Loopback makes the transfer as cheap as it can ever be, so the warm ÷ cold ratio here is the
 * least favourable to the cache; over the internet to GitHub the transfer is far slower.
 */
import { readdirSync, renameSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SandboxSpec } from "../src/core/wire.js";
import { git } from "../src/sandbox/bridge/git.js";
import { silentLog } from "../src/sandbox/bridge/log.js";
import { mirrorKey, mirrorPath } from "../src/sandbox/bridge/mirror-cache.js";
import { type PrepareCheckoutOptions, prepareCheckout } from "../src/sandbox/bridge/prepare-checkout.js";
import { prepareSpare } from "../src/sandbox/bridge/prepare-spare.js";
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
  /** A later run that claims the spare the run before it left. */
  warm: Timed;
  /** A later run that finds no spare (a concurrent one): the mirror's refs cloned, every file written. */
  warmNoSpare: Timed;
  /** Making the spare, in the background of the run before (off the run's path). */
  spareMs: number;
  parts: {
    transferMs: number;
    filesMs: number;
    refreshMs: number;
    refsCloneMs: number;
    warmFilesMs: number;
    claimFetchMs: number;
    claimCheckoutMs: number;
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
  /** One run's prepareCheckout; `spare` is the spare it left, to await before the next run. */
  const timed = async (
    mirrorDir: string,
    opts: PrepareCheckoutOptions = {},
  ): Promise<Timed & { spare: Promise<number> }> => {
    const from = served.requests.length;
    const dir = fresh();
    const started = performance.now();
    const checkout = await prepareCheckout(spec, dir, TOKEN, undefined, {
      mirrorDir,
      log: silentLog,
      ...opts,
    });
    const done = performance.now();
    const ms = done - started;
    const bytes = bytesSince(from);
    const spare = (checkout.spare ?? Promise.resolve()).then(() => performance.now() - done);
    // Removed only once the spare is made, as the run's own directory stays while the agent works.
    await spare;
    rmSync(dir, { recursive: true, force: true });
    return { ms, bytes, spare };
  };
  const time = async (fn: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await fn();
    return performance.now() - started;
  };

  try {
    const noSpare = { prepareSpare: false, useSpare: false };
    const warmRoot = join(root, "mirrors-warm");
    // Creates the warm mirror and the first spare; also warms the page cache for everyone.
    await timed(warmRoot);
    const warmMirror = mirrorPath(warmRoot, served.url);
    const samples = {
      plain: [] as Timed[],
      cold: [] as Timed[],
      warm: [] as Timed[],
      warmNoSpare: [] as Timed[],
    };
    const spareMs: number[] = [];
    const parts = {
      transferMs: [] as number[],
      filesMs: [] as number[],
      refreshMs: [] as number[],
      refsCloneMs: [] as number[],
      warmFilesMs: [] as number[],
      claimFetchMs: [] as number[],
      claimCheckoutMs: [] as number[],
    };
    for (let i = 0; i < runs; i++) {
      samples.plain.push(await timed(""));
      const coldRoot = join(root, `mirrors-cold-${i}`);
      samples.cold.push(await timed(coldRoot, { prepareSpare: false }));
      rmSync(coldRoot, { recursive: true, force: true });
      // Claims the spare the previous warm run left (awaited by timed) and leaves the next one.
      const warm = await timed(warmRoot);
      samples.warm.push(warm);
      spareMs.push(await warm.spare);
      samples.warmNoSpare.push(await timed(warmRoot, noSpare));

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
              "--no-auto-gc",
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
      // A spare of its own, in a root of its own, claimed by hand: the two git commands of a claim.
      const partsRoot = join(root, `mirrors-parts-${i}`);
      await timed(partsRoot, { prepareSpare: false });
      await prepareSpare({ root: partsRoot, cloneUrl: served.url, branch: "main", log: silentLog });
      const spareName = readdirSync(partsRoot).find((n) => n.startsWith(`${mirrorKey(served.url)}.spare-`));
      if (!spareName) throw new Error("no spare was made");
      const claimDir = fresh();
      renameSync(join(partsRoot, spareName), claimDir);
      parts.claimFetchMs.push(
        await time(() =>
          git(
            [
              "fetch",
              "--quiet",
              "--no-tags",
              "--prune",
              "--no-write-fetch-head",
              "--no-auto-gc",
              "--",
              mirrorPath(partsRoot, served.url),
              "+refs/heads/*:refs/remotes/origin/*",
            ],
            { cwd: claimDir },
          ),
        ),
      );
      parts.claimCheckoutMs.push(
        await time(() =>
          git(["checkout", "--quiet", "--force", "-B", "main", "refs/remotes/origin/main"], {
            cwd: claimDir,
          }),
        ),
      );
      rmSync(claimDir, { recursive: true, force: true });
      rmSync(partsRoot, { recursive: true, force: true });
      const last = (xs: Timed[]) => `${Math.round(xs.at(-1)!.ms)} ms`;
      log(
        `checkout ${i + 1}/${runs}: plain ${last(samples.plain)}, cold ${last(samples.cold)}, warm ${last(samples.warm)}, warm without a spare ${last(samples.warmNoSpare)}, spare ${Math.round(spareMs.at(-1)!)} ms`,
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
      warmNoSpare: med(samples.warmNoSpare),
      spareMs: median(spareMs),
      parts: {
        transferMs: median(parts.transferMs),
        filesMs: median(parts.filesMs),
        refreshMs: median(parts.refreshMs),
        refsCloneMs: median(parts.refsCloneMs),
        warmFilesMs: median(parts.warmFilesMs),
        claimFetchMs: median(parts.claimFetchMs),
        claimCheckoutMs: median(parts.claimCheckoutMs),
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
    [
      "**warm**: mirror present, nothing new, a spare checkout left by the run before",
      `**${ms(r.warm.ms)}**, ${kb(r.warm.bytes)} sent`,
    ],
    ["**warm ÷ cold**", `**${(r.warm.ms / r.cold.ms).toFixed(2)}**`],
    ["warm ÷ no cache", (r.warm.ms / r.plain.ms).toFixed(2)],
    [
      "warm without a spare (a concurrent run: the spare is taken)",
      `${ms(r.warmNoSpare.ms)}, ${kb(r.warmNoSpare.bytes)} sent`,
    ],
    ["warm without a spare ÷ cold", (r.warmNoSpare.ms / r.cold.ms).toFixed(2)],
    ["making the spare, in the background of the run before", ms(r.spareMs)],
    ["part: transfer (clone --no-checkout over HTTP)", ms(r.parts.transferMs)],
    ["part: writing the files (reset --hard), from the clone's own pack", ms(r.parts.filesMs)],
    ["part: mirror update, nothing new (fetch --prune)", ms(r.parts.refreshMs)],
    ["part: clone of the mirror's refs (--shared --no-checkout)", ms(r.parts.refsCloneMs)],
    ["part: writing the files (reset --hard), objects from the mirror", ms(r.parts.warmFilesMs)],
    ["part: claiming a spare, fetch of the mirror's refs into it", ms(r.parts.claimFetchMs)],
    ["part: claiming a spare, checkout --force -B of the base branch", ms(r.parts.claimCheckoutMs)],
  ];
}
