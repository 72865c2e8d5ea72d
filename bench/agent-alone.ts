/**
 * The agent with nothing around it: the pinned Claude Code CLI on `script` (a fresh scripted model
 * server) in the checkout `repo`, with HOME and TMPDIR made in `dir`. What every "÷ agent alone"
 * ratio of the benchmark divides by. Returns its wall time.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { type ModelScript, startModelServer } from "../src/demo/model-server.js";
import { claudeCodeEnv, runClaudeCode } from "../src/sandbox/agents/claude-code.js";

export async function runAgentAlone(repo: string, dir: string, script: ModelScript): Promise<number> {
  await mkdir(path.join(dir, "home"), { recursive: true });
  await mkdir(path.join(dir, "tmp"), { recursive: true });
  const model = await startModelServer(script);
  try {
    const t0 = performance.now();
    const result = await runClaudeCode(
      {
        prompt: "add a CONTRIBUTING.md that explains how to run the tests",
        cwd: repo,
        env: claudeCodeEnv({
          home: path.join(dir, "home"),
          tmpdir: path.join(dir, "tmp"),
          path: process.env.PATH ?? "/usr/bin:/bin",
          model: { baseUrl: model.url, apiKey: "bench" },
        }),
      },
      () => {},
    );
    if (!result.success) throw new Error(`the agent alone failed: ${result.error}`);
    return performance.now() - t0;
  } finally {
    await model.close();
  }
}
