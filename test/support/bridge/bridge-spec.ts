/**
 * A SandboxSpec and a work directory for runBridge tests against the fake control plane and a local
 * git remote, laid out as the sandbox host makes them.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import type { SandboxSpec } from "../../../src/core/wire.js";
import type { FakeControlPlane } from "./fake-control-plane.js";

export function bridgeSpec(
  cp: Pick<FakeControlPlane, "sessionId" | "url" | "token">,
  cloneUrl: string,
  overrides: Partial<SandboxSpec> = {},
): SandboxSpec {
  return {
    sessionId: cp.sessionId,
    run: 1,
    controlUrl: cp.url,
    token: cp.token,
    repo: {
      cloneUrl,
      owner: "acme",
      name: "widgets",
      baseBranch: "main",
      branch: "understudy/7-add-hello",
    },
    prompt: "Add a hello file",
    agent: "claude-code",
    startSeq: 0,
    author: { name: "understudy[bot]", email: "1+understudy[bot]@users.noreply.github.com" },
    coAuthor: { name: "Ada Lovelace", email: "ada@example.com" },
    commitTitle: "Understudy: add a hello file",
    timeLimitMs: 60_000,
    ...overrides,
  };
}

/** A fresh sandbox directory under `root`, with its home/ and tmp/. */
export function bridgeWorkDir(root: string): string {
  const dir = mkdtempSync(join(root, "sandbox-"));
  mkdirSync(join(dir, "home"));
  mkdirSync(join(dir, "tmp"));
  return dir;
}
