/**
 * The bridge process: `node --import tsx src/sandbox/bridge/main.ts < spec.json`.
 *
 * The SandboxSpec arrives on stdin, never in argv or the environment: the agent runs as the same user
 * and could read /proc/<pid>/cmdline (anyone can) or /proc/<pid>/environ, and the spec carries the
 * sandbox token. The model endpoint comes from ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY, which the agent
 * is given anyway; the work directory is UNDERSTUDY_WORK_DIR or the current directory.
 *
 * Exit codes: 0 every event reached the control plane (whatever the agent did), 1 it did not,
 * 2 the spec was unreadable.
 */
import { SandboxSpec } from "../../core/wire.js";
import { runClaudeCode } from "../agents/claude-code.js";
import { stderrLog } from "./log.js";
import { runBridge } from "./run-bridge.js";

// The spec is a few KB; the bound stops a confused caller from filling memory.
const MAX_SPEC_BYTES = 1024 * 1024;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_SPEC_BYTES) throw new Error(`the spec on stdin is larger than ${MAX_SPEC_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function main(): Promise<number> {
  const log = stderrLog();
  let spec: SandboxSpec;
  try {
    const parsed = SandboxSpec.safeParse(JSON.parse(await readStdin()));
    if (!parsed.success) {
      log.error(
        `invalid spec on stdin: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      );
      return 2;
    }
    spec = parsed.data;
  } catch (err) {
    log.error(`could not read the spec from stdin: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }

  const modelEnv = { baseUrl: process.env.ANTHROPIC_BASE_URL, apiKey: process.env.ANTHROPIC_API_KEY };

  // SIGTERM (the host stopping the sandbox) ends the run like a stop: the agent is aborted and what
  // it changed is committed and, if time allows, pushed. A second SIGTERM exits at once.
  const shutdown = new AbortController();
  process.on("SIGTERM", () => {
    if (shutdown.signal.aborted) process.exit(143);
    log.warn("SIGTERM: stopping the run");
    shutdown.abort();
  });

  log.info(
    `session ${spec.sessionId} run ${spec.run}: ${spec.repo.owner}/${spec.repo.name} → ${spec.repo.branch}`,
  );
  const result = await runBridge(spec, {
    agent: runClaudeCode,
    workDir: process.env.UNDERSTUDY_WORK_DIR ?? process.cwd(),
    modelEnv,
    log,
    signal: shutdown.signal,
  });
  log.info(`run finished: success=${result.success} pushed=${result.pushed} exit=${result.exitCode}`);
  return result.exitCode;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`[bridge] fatal: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
