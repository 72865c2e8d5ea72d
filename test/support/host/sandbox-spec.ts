/** A valid spec for sandbox-host tests (the host never clones in them); `over` sets what a test cares about. */
import type { SandboxSpec } from "../../../src/core/wire.js";

export function hostTestSpec(over: Partial<SandboxSpec> = {}): SandboxSpec {
  return {
    sessionId: "sess_0123456789abcdef",
    run: 1,
    controlUrl: "http://127.0.0.1:9",
    token: "sandbox-token-".padEnd(48, "x"),
    repo: {
      cloneUrl: "https://github.com/acme/widgets.git",
      owner: "acme",
      name: "widgets",
      baseBranch: "main",
      branch: "understudy/1-x",
    },
    prompt: "do it",
    agent: "claude-code",
    startSeq: 0,
    author: { name: "understudy[bot]", email: "bot@example.com" },
    coAuthor: { name: "Ada", email: "ada@example.com" },
    commitTitle: "Understudy: do it",
    timeLimitMs: 60_000,
    ...over,
  };
}
