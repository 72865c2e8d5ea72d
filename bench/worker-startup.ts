/**
 * What a cold isolate costs before the first webhook is even read: workerd loading the Worker's
 * bundle (compiling it and running its top level), against an empty Worker with the same four
 * Durable Object classes. Locally workerd does this at start-up, so the first-answer figures of
 * `npm run bench` (a stack whose workerd has already loaded the Worker) leave it out; on Cloudflare a
 * cold isolate pays it on the first request. The bundle is the one `wrangler deploy` would upload
 * (`--dry-run --outdir`), as built and minified (`--minify`).
 */
import { execFile } from "node:child_process";
import { statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Miniflare } from "miniflare";
import { projectRoot } from "../src/cli/start-control-plane.js";
import { isolateWrangler } from "../src/cli/wrangler-env.js";
import { median } from "./median.js";

const EMPTY = `import { DurableObject } from "cloudflare:workers";
export class SessionDO extends DurableObject {}
export class DeliveryLedger extends DurableObject {}
export class SessionLinks extends DurableObject {}
export class SandboxBreaker extends DurableObject {}
export default { fetch: () => new Response("ok") };
`;

type Kind = "empty" | "bundle" | "minified";
export type WorkerStartup = Record<Kind, { readyMs: number[]; firstRequestMs: number[]; bytes: number }>;

/** Starts workerd on `script` and times it to ready, then its first request. */
async function startOnce(script: string): Promise<{ readyMs: number; firstRequestMs: number }> {
  const t0 = performance.now();
  const durable = (className: string) => ({ className, useSQLite: true });
  const mf = new Miniflare({
    // The one module named outright: the bundle has dynamic imports Miniflare's scan cannot follow.
    modules: [{ type: "ESModule", path: script }],
    modulesRoot: path.dirname(script),
    compatibilityDate: "2026-04-01",
    compatibilityFlags: ["nodejs_compat"],
    durableObjects: {
      SESSIONS: durable("SessionDO"),
      DELIVERIES: durable("DeliveryLedger"),
      LINKS: durable("SessionLinks"),
      BREAKERS: durable("SandboxBreaker"),
    },
  });
  try {
    await mf.ready;
    const t1 = performance.now();
    const res = await mf.dispatchFetch("http://localhost/healthz");
    await res.arrayBuffer();
    return { readyMs: t1 - t0, firstRequestMs: performance.now() - t1 };
  } finally {
    await mf.dispose();
  }
}

export async function runWorkerStartupBench(runs: number): Promise<WorkerStartup> {
  const dir = await mkdtemp(path.join(tmpdir(), "understudy-bench-startup-"));
  try {
    isolateWrangler(projectRoot);
    const wrangler = path.join(projectRoot, "node_modules", ".bin", "wrangler");
    const build = (outdir: string, extra: string[]) =>
      promisify(execFile)(wrangler, ["deploy", "--dry-run", "--outdir", outdir, ...extra], {
        cwd: projectRoot,
        env: process.env,
      });
    await build(path.join(dir, "bundle"), []);
    await build(path.join(dir, "minified"), ["--minify"]);
    await writeFile(path.join(dir, "empty.mjs"), EMPTY);
    const scripts: Record<Kind, string> = {
      empty: path.join(dir, "empty.mjs"),
      bundle: path.join(dir, "bundle", "index.js"),
      minified: path.join(dir, "minified", "index.js"),
    };
    const out = {} as WorkerStartup;
    for (const kind of Object.keys(scripts) as Kind[]) {
      out[kind] = { readyMs: [], firstRequestMs: [], bytes: statSync(scripts[kind]).size };
    }
    // Interleaved, so a slow moment of the machine falls on every kind alike; one uncounted round first.
    for (let i = 0; i <= runs; i++) {
      for (const kind of Object.keys(scripts) as Kind[]) {
        const r = await startOnce(scripts[kind]);
        if (i === 0) continue;
        out[kind].readyMs.push(r.readyMs);
        out[kind].firstRequestMs.push(r.firstRequestMs);
      }
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const ms = (x: number) => `${Math.round(x)} ms`;
const kb = (bytes: number) => `${Math.round(bytes / 1024).toLocaleString("en-US")} KB`;

export function workerStartupRows(r: WorkerStartup): [string, string][] {
  const ready = (k: Kind) => median(r[k].readyMs);
  return [
    [
      `workerd ready, empty Worker with the same Durable Object classes (median of ${r.empty.readyMs.length} starts)`,
      ms(ready("empty")),
    ],
    [`workerd ready, our Worker (${kb(r.bundle.bytes)} bundle)`, ms(ready("bundle"))],
    [`workerd ready, our Worker minified (${kb(r.minified.bytes)})`, ms(ready("minified"))],
    [
      "**a cold isolate's start-up cost of our code** (ours − empty), as built / minified",
      `**${ms(ready("bundle") - ready("empty"))} / ${ms(ready("minified") - ready("empty"))}**`,
    ],
    [
      "first request after ready, ours / empty",
      `${ms(median(r.bundle.firstRequestMs))} / ${ms(median(r.empty.firstRequestMs))}`,
    ],
  ];
}
