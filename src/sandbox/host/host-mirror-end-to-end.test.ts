/**
 * The mirror cache for real: a host with a mirror directory runs two sessions on one repository,
 * served over HTTP with the token. The second clone moves next to nothing; the agent's own git works
 * inside bubblewrap on a checkout that borrows the mirror's objects, cannot write into the mirror,
 * and the bridge still commits and pushes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { commitFiles } from "../../../test/support/bridge/commit-files.js";
import { startFakeControlPlane } from "../../../test/support/bridge/fake-control-plane.js";
import { createGitRemote } from "../../../test/support/bridge/git-remote.js";
import { serveGitRemote } from "../../../test/support/bridge/serve-git-remote.js";
import type { SandboxSpec } from "../../core/wire.js";
import { bashScript, startModelServer } from "../../demo/model-server.js";
import { silentLog } from "../bridge/log.js";
import { mirrorPath } from "../bridge/mirror-cache.js";
import { type SandboxHost, startSandboxHost } from "./start-sandbox-host.js";

const SECRET = "host-secret-0123456789abcdef";
const TOKEN = "ghs_UnderstudyMirrorE2EToken0123456789";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// Runs inside the sandbox, in the checkout: the agent's own git, and an attempt on the mirror.
// $TMPDIR: besides the checkout, what the agent can write (and the test can read afterwards).
const AGENT = [
  'out="$TMPDIR/agent.txt"',
  'git log -1 --format=%H > "$out" 2>&1',
  'git fsck --no-progress >> "$out" 2>&1 && echo fsck-ok >> "$out"',
  'objects="$(head -1 .git/objects/info/alternates)"',
  'touch "$objects/poison" 2>/dev/null && echo wrote-mirror >> "$out" || echo mirror-read-only >> "$out"',
  'echo "$SANDBOX_RUN" > "run-$(date +%s%N).txt"',
].join("; ");

async function runSession(host: SandboxHost, cloneUrl: string, branch: string) {
  const cp = await startFakeControlPlane({ gitToken: TOKEN });
  cleanups.push(() => cp.close());
  const spec: SandboxSpec = {
    sessionId: cp.sessionId,
    run: 1,
    controlUrl: cp.url,
    token: cp.token,
    repo: { cloneUrl, owner: "acme", name: "widgets", baseBranch: "main", branch },
    prompt: "Look around",
    agent: "claude-code",
    startSeq: 0,
    author: { name: "understudy[bot]", email: "bot@example.com" },
    coAuthor: { name: "Ada Lovelace", email: "ada@example.com" },
    commitTitle: "Understudy: look around",
    timeLimitMs: 120_000,
  };
  const res = await fetch(`${host.url}/sandboxes`, {
    method: "POST",
    headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/json" },
    body: JSON.stringify(spec),
  });
  expect(res.status).toBe(201);
  const { sandboxId } = (await res.json()) as { sandboxId: string };
  const sandbox = host.sandboxes.get(sandboxId)!;
  await sandbox.exited;
  return { sandbox, cp, agent: readFileSync(join(sandbox.dir, "tmp", "agent.txt"), "utf8") };
}

it("a second session clones through the mirror, and the agent's git and the push work with it", async () => {
  const root = mkdtempSync(join(tmpdir(), "understudy-mirror-e2e-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const remote = createGitRemote(root);
  const files = Array.from({ length: 100 }, (_, i) => `lib/file-${i}.txt`);
  const main = commitFiles(remote, { seed: join(root, "seed"), files, size: 3_000 });
  const served = await serveGitRemote(remote, { accepts: (p) => p === TOKEN });
  cleanups.push(() => served.close());
  const mirrors = join(root, "mirrors");
  const model = await startModelServer(bashScript(AGENT));
  cleanups.push(() => model.close());
  const host = await startSandboxHost({
    root: join(root, "sandboxes"),
    secret: SECRET,
    modelEnv: { baseUrl: model.url, apiKey: "test-key" },
    log: silentLog,
    mirrorDir: mirrors,
  });
  cleanups.push(() => host.close());
  const bytes = (from: number) => served.requests.slice(from).reduce((n, r) => n + r.bytes, 0);

  const first = await runSession(host, served.url, "understudy/1-first");
  const afterFirst = served.requests.length;
  const second = await runSession(host, served.url, "understudy/2-second");

  for (const run of [first, second]) {
    expect(run.sandbox.exitCode).toBe(0);
    expect(run.agent.split("\n")).toEqual([main, "fsck-ok", "mirror-read-only", ""]);
    expect(run.cp.events().find((e) => e.type === "push_complete")?.data).toMatchObject({ pushed: true });
  }
  expect(remote.git(["ls-tree", "--name-only", "refs/heads/understudy/2-second"])).toMatch(/run-\d+\.txt/);
  // The first run filled the mirror (about 150 KB of noise); the second fetched refs and pushed.
  expect(bytes(0)).toBeGreaterThan(150_000);
  expect(bytes(afterFirst)).toBeLessThan(20_000);
  // The agent saw the mirror's objects (fsck passed through them) but could not write among them.
  expect(existsSync(join(mirrorPath(mirrors, served.url), "objects", "poison"))).toBe(false);
}, 120_000);
