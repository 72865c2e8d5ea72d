/**
 * The bridge process: `node .understudy/build/bridge-<hash>.mjs < spec.json`, as the host builds it
 * (src/sandbox/host/build-bridge.ts), or from the sources: `node --import tsx src/sandbox/bridge/main.ts`.
 *
 * The SandboxSpec arrives on stdin, never in argv or the environment: the agent runs as the same user
 * and could read /proc/<pid>/cmdline (anyone can) or /proc/<pid>/environ, and the spec carries the
 * sandbox token. Where nothing can write to the bridge's stdin (a Cloudflare container, started by
 * the Sandbox SDK), the spec is a file named by UNDERSTUDY_SPEC_FILE, deleted as soon as it is read. The model endpoint comes from ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY (Codex:
 * OPENAI_BASE_URL / OPENAI_API_KEY), which the agent
 * is given anyway; the work directory is UNDERSTUDY_WORK_DIR or the current directory, and
 * UNDERSTUDY_MIRROR_DIR, when set, is the host's cache of repository mirrors (mirror-cache.ts), and
 * UNDERSTUDY_SESSION_DIR, when set, the session's directory, whose home the agent keeps between runs
 * (open-session-home.ts). The bridge's own HOME stays the sandbox's.
 *
 * Exit codes: 0 every event reached the control plane (whatever the agent did), 1 it did not,
 * 2 the spec was unreadable.
 */
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { SandboxSpec } from "../../core/wire.js";
import { claudeCodeEnv, runClaudeCode } from "../agents/claude-code.js";
import { codexEnv, runCodex } from "../agents/codex.js";
import { agentPackageDirs } from "../isolation/agent-package-dirs.js";
import { bubblewrapWorks } from "../isolation/bubblewrap.js";
import { stderrLog } from "./log.js";
import { recoverRun, spoolPathIn } from "./recover-run.js";
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

/** Codex's model API when OPENAI_BASE_URL names none: on the sandbox's allowlist. */
const OPENAI_API_URL = "https://api.openai.com/v1";

/** Limits of an agent's sandbox unless the host sets others (SANDBOX_MEMORY_MB, SANDBOX_MAX_PROCESSES). */
const DEFAULT_MEMORY_MB = 4096;
const DEFAULT_MAX_PROCESSES = 4096;

const positive = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

/** The spec file's content, the file gone before anything else runs. */
async function readSpecFile(path: string): Promise<string> {
  try {
    if ((await stat(path)).size > MAX_SPEC_BYTES)
      throw new Error(`the spec file is larger than ${MAX_SPEC_BYTES} bytes`);
    return await readFile(path, "utf8");
  } finally {
    await rm(path, { force: true });
  }
}

async function main(): Promise<number> {
  const log = stderrLog();
  let spec: SandboxSpec;
  const specFile = process.env.UNDERSTUDY_SPEC_FILE;
  const [from, on] = specFile
    ? [`the spec file ${specFile}`, `in the spec file ${specFile}`]
    : ["stdin", "on stdin"];
  try {
    const text = specFile ? await readSpecFile(specFile) : await readStdin();
    const parsed = SandboxSpec.safeParse(JSON.parse(text));
    if (!parsed.success) {
      log.error(
        `invalid spec ${on}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      );
      return 2;
    }
    spec = parsed.data;
  } catch (err) {
    log.error(`could not read the spec from ${from}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }

  // Each agent talks to its own model API; the host hands the bridge both.
  const codex = spec.agent === "codex";
  const modelEnv = codex
    ? { baseUrl: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY }
    : { baseUrl: process.env.ANTHROPIC_BASE_URL, apiKey: process.env.ANTHROPIC_API_KEY };
  // The host says how to isolate the agent; a bridge started by hand isolates it too.
  const isolation = process.env.UNDERSTUDY_ISOLATION === "none" ? "none" : "bubblewrap";
  if (isolation === "bubblewrap" && !bubblewrapWorks()) {
    log.error("bubblewrap (bwrap) cannot run here; the sandbox host should have refused to start");
  }

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
  const workDir = process.env.UNDERSTUDY_WORK_DIR ?? process.cwd();
  // The sandbox host makes these before it starts a bridge; in a container nothing else does.
  for (const dir of [join(workDir, "home"), join(workDir, "tmp")])
    await mkdir(dir, { recursive: true, mode: 0o700 });
  // The host starts a bridge again, once, when the run's first bridge died: it resends what was
  // spooled, saves the agent's work and ends the run (recover-run.ts).
  const firstExit = process.env.UNDERSTUDY_RECOVER;
  if (firstExit) {
    const recovered = await recoverRun(spec, {
      workDir,
      spoolPath: spoolPathIn(workDir),
      firstExit,
      log,
      signal: shutdown.signal,
    });
    log.info(`recovery finished: pushed=${recovered.pushed} exit=${recovered.exitCode}`);
    return recovered.exitCode;
  }
  const result = await runBridge(spec, {
    agent: codex ? runCodex : runClaudeCode,
    agentEnv: codex ? codexEnv : claudeCodeEnv,
    ...(codex ? { defaultModelUrl: OPENAI_API_URL } : {}),
    workDir,
    ...(process.env.UNDERSTUDY_SESSION_DIR ? { sessionDir: process.env.UNDERSTUDY_SESSION_DIR } : {}),
    modelEnv,
    isolation,
    agentReadOnly: agentPackageDirs(),
    limits: {
      memoryBytes: positive(process.env.UNDERSTUDY_MEMORY_MB, DEFAULT_MEMORY_MB) * 2 ** 20,
      processes: positive(process.env.UNDERSTUDY_MAX_PROCESSES, DEFAULT_MAX_PROCESSES),
    },
    log,
    signal: shutdown.signal,
    // Beside repo/, home/ and tmp/: outside what bubblewrap shows the agent.
    stream: {
      spool: {
        path: spoolPathIn(workDir),
        sessionId: spec.sessionId,
        run: spec.run,
      },
    },
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
