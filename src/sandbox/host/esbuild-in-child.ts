/**
 * Runs one esbuild build in a short-lived child process and returns its single output file.
 *
 * Why not esbuild's API in this process: it keeps a long-lived `esbuild --service` child per
 * process, shared with whatever else imports the same esbuild (wrangler's startWorker does, in the
 * same process as the host in `npm start` and the demo). That child outlives the build as a process
 * of the host's own, and stopping it (`stop()`) would pull it from under wrangler's builds. A child
 * process that exits after the one build leaves nothing running and shares nothing.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { BuildOptions, Message } from "esbuild";

const TIMEOUT_MS = 120_000;

// Options in argv[1]; the bundle on stdout; on failure esbuild's located messages as JSON on stderr.
const SCRIPT = `
const { default: esbuild } = await import(process.argv[2]);
try {
  const result = await esbuild.build({ ...JSON.parse(process.argv[1]), write: false, logLevel: "silent" });
  process.stdout.write(result.outputFiles[0].contents);
} catch (err) {
  const errors = Array.isArray(err?.errors) && err.errors.length > 0 ? err.errors : [{ text: String(err?.message ?? err) }];
  process.stderr.write(JSON.stringify(errors));
  process.exitCode = 1;
}
`;

/** A failed build, with esbuild's messages (file and line where it could tell). */
export class EsbuildError extends Error {
  override name = "EsbuildError";
  constructor(readonly errors: Array<Pick<Message, "text" | "location">>) {
    super(
      errors
        .slice(0, 5)
        .map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text))
        .join("; "),
    );
  }
}

/** Builds `options` (one entry point, no outfile: the output comes back as bytes). */
export function esbuildInChild(options: BuildOptions): Promise<Buffer> {
  const esbuild = pathToFileURL(createRequire(import.meta.url).resolve("esbuild")).href;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--input-type=module", "-e", SCRIPT, JSON.stringify(options), esbuild],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const out: Buffer[] = [];
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      err = `${err}${chunk.toString("utf8")}`.slice(-64_000);
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(Buffer.concat(out));
      if (signal)
        return reject(new Error(`esbuild did not finish within ${TIMEOUT_MS / 1000} s (${signal})`));
      let errors: Array<Pick<Message, "text" | "location">>;
      try {
        errors = JSON.parse(err) as typeof errors;
      } catch {
        errors = [{ text: err.trim() || `esbuild exited ${code}`, location: null }];
      }
      reject(new EsbuildError(errors));
    });
  });
}
