/**
 * commitAndPush's push token: asked for while the commit is made when there is work to push, its
 * refusal the push's, never asked for when there is nothing to push, and dropped (its retries
 * stopped) when the commit fails.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it, vi } from "vitest";
import { bridgeSpec, bridgeWorkDir } from "../../../test/support/bridge/bridge-spec.js";
import { createGitRemote } from "../../../test/support/bridge/git-remote.js";
import type { EventInput } from "../../core/wire.js";
import { commitAndPush } from "./commit-and-push.js";
import { prepareCheckout } from "./prepare-checkout.js";
import { snapshotGitConfig } from "./seal-checkout.js";

/**
 * Holds the commit until `gate.until` settles, so a test knows the order of the token ask and the
 * commit without racing them.
 */
const gate = vi.hoisted(() => ({ until: null as Promise<unknown> | null }));
vi.mock("./commit-leftovers.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("./commit-leftovers.js")>();
  return {
    ...real,
    commitLeftovers: async (...args: Parameters<typeof real.commitLeftovers>) => {
      await gate.until;
      return real.commitLeftovers(...args);
    },
  };
});

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  gate.until = null;
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SESSION = "a".repeat(32);
const TOKEN = "sandbox-token";

/** The control plane's git-token route alone: each ask answered by `answer` (by its index). */
async function tokenRoute(answer: (index: number) => number) {
  const asks: { index: number; status: number }[] = [];
  const server = createServer((req, res) => {
    const route = req.method === "POST" && req.url === `/sessions/${SESSION}/sandbox/git-token`;
    if (!route || req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(404).end();
      return;
    }
    const index = asks.length;
    const status = answer(index);
    asks.push({ index, status });
    onAsk?.(index);
    asked();
    if (status !== 200) {
      res.writeHead(status).end("no token");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        token: `ghs_${"t".repeat(36)}`,
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    );
  });
  let onAsk: ((index: number) => void) | undefined;
  let asked: () => void = () => {};
  const firstAsk = new Promise<void>((resolve) => {
    asked = resolve;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    asks,
    /** The first ask, or 5 s without one (code that asks only after the commit then goes on). */
    firstAsk: () => Promise.race([firstAsk, new Promise((resolve) => setTimeout(resolve, 5_000))]),
    onAsk: (f: (index: number) => void) => {
      onAsk = f;
    },
  };
}

async function setUp(controlUrl: string) {
  const root = mkdtempSync(join(tmpdir(), "understudy-commit-push-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const remote = createGitRemote(root);
  const spec = bridgeSpec({ sessionId: SESSION, url: controlUrl, token: TOKEN }, remote.url);
  const workDir = bridgeWorkDir(root);
  const checkout = await prepareCheckout(spec, join(workDir, "repo"), "unused-token");
  const gitConfig = await snapshotGitConfig(checkout.repoDir);
  const emitted: EventInput[] = [];
  const push = () =>
    commitAndPush({
      spec,
      workDir,
      checkout,
      gitConfig,
      agentResult: null,
      endReason: null,
      controlUnreachable: false,
      emit: (e) => emitted.push(e),
    });
  return { remote, spec, checkout, emitted, push };
}

it("asks for the push token while the agent's work is committed, not after", async () => {
  const route = await tokenRoute(() => 200);
  const { remote, spec, checkout, emitted, push } = await setUp(route.url);
  for (let i = 0; i < 30; i++) {
    mkdirSync(join(checkout.repoDir, `d${i % 10}`), { recursive: true });
    writeFileSync(join(checkout.repoDir, `d${i % 10}`, `f${i}.txt`), `file ${i}\n`);
  }
  // The commit waits for the first ask: with the ask made only after the commit, it waits in vain.
  gate.until = route.firstAsk();
  const branchRef = join(checkout.repoDir, ".git", "refs", "heads", ...checkout.branch.split("/"));
  const atAsk: { committed: boolean; pushing: boolean }[] = [];
  route.onAsk(() => {
    atAsk.push({
      committed: readFileSync(branchRef, "utf8").trim() !== checkout.baseSha,
      pushing: emitted.some((e) => e.type === "sandbox_status" && e.data.status === "pushing"),
    });
  });

  expect(await push()).toEqual({ pushed: true, ok: true });
  // One token, asked for before the commit existed.
  expect(atAsk).toEqual([{ committed: false, pushing: false }]);
  expect(remote.git(["ls-tree", "-r", "--name-only", spec.repo.branch])).toContain("d9/f29.txt");
});

it("fails the push with the early ask's refusal, without asking again", async () => {
  // Refused outright (a 4xx other than 429 is not asked again by fetchGitToken).
  const route = await tokenRoute(() => 403);
  const { remote, spec, checkout, push, emitted } = await setUp(route.url);
  writeFileSync(join(checkout.repoDir, "hello.txt"), "hello\n");

  const result = await push();
  expect(result).toMatchObject({ pushed: false, ok: false, error: expect.stringContaining("HTTP 403") });
  expect(emitted.at(-1)).toMatchObject({ type: "push_error" });
  expect(route.asks.map((a) => a.status)).toEqual([403]);
  expect(remote.git(["branch", "--list", spec.repo.branch])).toBe("");
});

it("asks for no token when there is nothing to push", async () => {
  const route = await tokenRoute(() => 200);
  const { push, emitted } = await setUp(route.url);

  expect(await push()).toEqual({ pushed: false, ok: true });
  expect(emitted.at(-1)).toMatchObject({ type: "push_complete", data: { pushed: false } });
  expect(route.asks).toEqual([]);
});

it("stops asking when the commit fails after the early ask began", async () => {
  // A control plane that is away (503): fetchGitToken would ask again for up to a minute.
  const route = await tokenRoute(() => 503);
  const { checkout, push, emitted } = await setUp(route.url);
  // A repository without a commit inside the checkout: \`git add --all\` refuses it.
  execFileSync("git", ["init", "--quiet", join(checkout.repoDir, "nested")]);
  // The commit (and its failure) waits for the early ask to be under way.
  gate.until = route.firstAsk();

  const result = await push();
  expect(result).toMatchObject({ pushed: false, ok: false });
  expect(emitted.at(-1)).toMatchObject({ type: "push_error" });
  expect(route.asks.length).toBeGreaterThan(0);
  const after = route.asks.length;
  // Several of fetchGitToken's backoff intervals (250 ms, then more): none asks again.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(route.asks.length).toBe(after);
});
