/**
 * A stand-in for the bridge in sandbox host tests: records its stdin to `spec.json`, starts a child
 * in a session of its own (as an agent's `setsid` daemon would) whose command line ends with
 * `fake-bridge-daemon`, and ignores SIGTERM, so that the host has to escalate.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BridgeCommand } from "../../../src/sandbox/host/spawn-bridge.js";

const SCRIPT = `
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
process.on("SIGTERM", () => {});
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (c) => { input += c; });
process.stdin.on("end", () => {
  writeFileSync("spec.json", input);
  spawn(process.execPath, ["-e", "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)", "fake-bridge-daemon"], {
    detached: true, stdio: "ignore",
  });
  console.log("fake bridge ready");
});
setInterval(() => {}, 1000);
`;

/** Writes the fake bridge's script into `dir` and returns the command that runs it. */
export function fakeBridgeCommand(dir: string): BridgeCommand {
  const script = join(dir, "fake-bridge.mjs");
  writeFileSync(script, SCRIPT);
  return { command: process.execPath, args: [script] };
}
