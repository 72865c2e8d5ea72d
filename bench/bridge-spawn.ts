/**
 * `npm run bench -- bridge-spawn` (also part of `npm run bench -- quick-start`): how long the bridge
 * takes to start, from the TypeScript sources through tsx (as before) and as the bundle the host
 * builds (build-bridge.ts), run with plain node.
 *
 * Each sample spawns the bridge with an invalid spec on stdin, as the host would spawn it but without
 * the PID namespace (the same for both), and times the first line it writes (its "invalid spec"
 * error, the first thing main.ts does after loading every module) and its exit (code 2). That is
 * module loading and start-up, which is what a run waits for before the bridge does anything. The
 * two kinds alternate, so drift in the machine's load falls on both; every sample is bounded.
 */
import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { buildBridge, tsxBridgeCommand } from "../src/sandbox/host/build-bridge.js";
import type { BridgeCommand } from "../src/sandbox/host/spawn-bridge.js";
import { median } from "./median.js";

const SAMPLE_TIMEOUT_MS = 30_000;
const FLOOR = 'process.stderr.write("[bridge] error: invalid spec on stdin: -\\n"); process.exitCode = 2;';

export type SpawnTimes = { firstLineMs: number; exitMs: number };
export type BridgeSpawnResult = {
  runs: number;
  buildMs: number;
  bundleBytes: number;
  tsx: SpawnTimes;
  built: SpawnTimes;
  /** Plain node running a one-line script that answers like the bridge: the floor. */
  node: SpawnTimes;
};

function sample(cmd: BridgeCommand): Promise<SpawnTimes> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd.command, cmd.args, { stdio: ["pipe", "ignore", "pipe"] });
    let firstLineMs = Number.NaN;
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the bridge did not exit within ${SAMPLE_TIMEOUT_MS / 1000} s`));
    }, SAMPLE_TIMEOUT_MS);
    child.stderr.on("data", (chunk: Buffer) => {
      if (Number.isNaN(firstLineMs)) firstLineMs = performance.now() - started;
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const exitMs = performance.now() - started;
      if (code !== 2 || !stderr.includes("invalid spec on stdin")) {
        reject(new Error(`expected exit 2 on an invalid spec, got ${code}: ${stderr.slice(0, 300)}`));
      } else resolve({ firstLineMs, exitMs });
    });
    child.stdin.on("error", () => {}); // EPIPE from the floor script, which reads nothing
    child.stdin.end(JSON.stringify({ run: "not a spec" }));
  });
}

export async function runBridgeSpawnBench(
  runs: number,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<BridgeSpawnResult> {
  const build = await buildBridge();
  const kinds = {
    tsx: tsxBridgeCommand(),
    built: { command: process.execPath, args: [build.file] },
    node: { command: process.execPath, args: ["-e", FLOOR] },
  };
  // One of each first, not counted: tsx's transform cache and the page cache warm up.
  for (const cmd of Object.values(kinds)) await sample(cmd);
  const times: Record<keyof typeof kinds, SpawnTimes[]> = { tsx: [], built: [], node: [] };
  for (let i = 0; i < runs; i++) {
    for (const kind of i % 2 ? (["built", "tsx", "node"] as const) : (["node", "tsx", "built"] as const)) {
      times[kind].push(await sample(kinds[kind]));
    }
    log(
      `bridge spawn ${i + 1}/${runs}: tsx ${ms(times.tsx.at(-1)!.exitMs)}, built ${ms(times.built.at(-1)!.exitMs)}`,
    );
  }
  const med = (xs: SpawnTimes[]): SpawnTimes => ({
    firstLineMs: median(xs.map((x) => x.firstLineMs)),
    exitMs: median(xs.map((x) => x.exitMs)),
  });
  return {
    runs,
    buildMs: build.ms,
    bundleBytes: statSync(build.file).size,
    tsx: med(times.tsx),
    built: med(times.built),
    node: med(times.node),
  };
}

const ms = (x: number) => `${Math.round(x)} ms`;

export function bridgeSpawnRows(r: BridgeSpawnResult): [string, string][] {
  return [
    ["bridge spawn → first line, tsx (sources)", ms(r.tsx.firstLineMs)],
    ["bridge spawn → first line, built (node + bundle)", ms(r.built.firstLineMs)],
    ["bridge spawn → exit, tsx", ms(r.tsx.exitMs)],
    ["bridge spawn → exit, built", ms(r.built.exitMs)],
    ["**built ÷ tsx, first line**", `**${(r.built.firstLineMs / r.tsx.firstLineMs).toFixed(2)}**`],
    ["node alone → first line (a one-line script: the floor)", ms(r.node.firstLineMs)],
    [
      "build at host start-up (esbuild in a child process)",
      `${ms(r.buildMs)}, ${Math.round(r.bundleBytes / 1024)} KB bundle`,
    ],
  ];
}
