/**
 * The whole sandbox side for real: the host spawns the real bridge process (the bundle it built at
 * start-up, build-bridge.ts, run with plain node), which clones a
 * local remote, runs the real Claude Code CLI against the scripted model server, and commits and
 * pushes what it wrote, streaming events to a fake control plane.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import { type SeenProcess, watchProcesses } from "../../../test/support/agents/watch-processes.js";
import {
  type FakeControlPlaneOptions,
  startFakeControlPlane,
} from "../../../test/support/bridge/fake-control-plane.js";
import { createGitRemote } from "../../../test/support/bridge/git-remote.js";
import { serveGitRemote } from "../../../test/support/bridge/serve-git-remote.js";
import type { Event, SandboxSpec } from "../../core/wire.js";
import {
  bashScript,
  contributingScript,
  type ModelScript,
  startModelServer,
} from "../../demo/model-server.js";
import { inPidNamespace } from "../agents/pid-namespace.js";
import { silentLog } from "../bridge/log.js";
import { sessionDirOf } from "./session-dir.js";
import { startSandboxHost } from "./start-sandbox-host.js";

const SECRET = "host-secret-0123456789abcdef";
/** The push token of the attack tests: recognisable wherever it might turn up. */
const TOKEN = "ghs_UnderstudyAttackTestToken0123456789";
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type StageOptions = {
  script: ModelScript;
  branch: string;
  prompt: string;
  /** Serve the remote over HTTP, demanding `TOKEN` for every request, and hand out `TOKEN`. */
  tokenRemote?: boolean;
  controlPlane?: FakeControlPlaneOptions;
  log?: typeof silentLog;
};

/** Remote, model server, control plane and sandbox host; POSTs one run and returns its sandbox. */
async function stage(opts: StageOptions) {
  const root = mkdtempSync(join(tmpdir(), "understudy-e2e-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const remote = createGitRemote(root);
  const served = opts.tokenRemote ? await serveGitRemote(remote, { accepts: (p) => p === TOKEN }) : null;
  if (served) cleanups.push(() => served.close());
  const model = await startModelServer(opts.script);
  cleanups.push(() => model.close());
  const cp = await startFakeControlPlane({
    ...(opts.tokenRemote ? { gitToken: TOKEN } : {}),
    ...opts.controlPlane,
  });
  cleanups.push(() => cp.close());
  const host = await startSandboxHost({
    root: join(root, "sandboxes"),
    secret: SECRET,
    modelEnv: { baseUrl: model.url, apiKey: "test-key" },
    log: opts.log ?? silentLog,
  });
  cleanups.push(() => host.close());

  const spec: SandboxSpec = {
    sessionId: cp.sessionId,
    run: 1,
    controlUrl: cp.url,
    token: cp.token,
    repo: {
      cloneUrl: served?.url ?? remote.url,
      owner: "acme",
      name: "widgets",
      baseBranch: "main",
      branch: opts.branch,
    },
    prompt: opts.prompt,
    agent: "claude-code",
    startSeq: 0,
    author: { name: "understudy[bot]", email: "bot@example.com" },
    coAuthor: { name: "Ada Lovelace", email: "ada@example.com" },
    commitTitle: `Understudy: ${opts.prompt.toLowerCase()}`,
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
  return { root, remote, served, model, cp, host, spec, sandbox, sandboxId };
}

/** A background loop that leaves the agent's process group and session, as in the reported attack. */
function daemon(body: string, name: string): string {
  return `setsid nohup sh -c '${body}' ${name} >/dev/null 2>&1 &`;
}

/** The one process seen running the daemon named `name` whose innermost pid is the one it wrote. */
function findDaemon(seen: SeenProcess[], name: string, pidFile: string): SeenProcess | undefined {
  const nsPid = Number(readFileSync(pidFile, "utf8").trim());
  return seen.find((p) => p.cmdline.endsWith(` ${name}`) && p.nsPids.at(-1) === nsPid);
}

/** Every file under `dir` whose bytes hold `secret`. */
function filesHolding(dir: string, secret: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((file) => readFileSync(file).includes(secret));
}

async function until(check: () => boolean, what: string, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

it("runs a real session: clone, Claude Code writes CONTRIBUTING.md, commit and push, every event acked", async () => {
  const lines: string[] = [];
  const log = { ...silentLog, info: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
  const { remote, model, cp, spec, sandbox } = await stage({
    script: contributingScript(),
    branch: "understudy/3-contributing",
    prompt: "Document how to run the tests in a CONTRIBUTING.md",
    log,
  });
  await sandbox.exited;

  expect({ exitCode: sandbox.exitCode, log: lines.filter((l) => /error|fatal/i.test(l)) }).toEqual({
    exitCode: 0,
    log: [],
  });
  const events = cp.events();
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(cp.problems).toEqual([]);
  const of = <T extends Event["type"]>(type: T) => events.filter((e) => e.type === type);
  expect(of("tool_call").map((e) => (e.data as { name: string }).name)).toEqual(
    expect.arrayContaining(["Bash", "Write"]),
  );
  expect(of("push_complete")[0]?.data).toMatchObject({ pushed: true, commitsAhead: 1 });
  expect(events.at(-1)).toMatchObject({ type: "execution_complete", data: { success: true } });
  expect((events.at(-1)?.data as { summary?: string } | undefined)?.summary).toMatch(/^Add CONTRIBUTING\.md/);

  const ref = `refs/heads/${spec.repo.branch}`;
  expect(remote.git(["show", `${ref}:CONTRIBUTING.md`])).toContain("npm test");
  expect(remote.git(["log", "-1", "--format=%B", ref])).toContain(
    "Co-authored-by: Ada Lovelace <ada@example.com>",
  );
  expect(model.unexpected).toEqual([]);
  // The sandbox directory outlives the run.
  expect(readdirSync(sandbox.dir)).toEqual(expect.arrayContaining(["repo", "home", "tmp"]));
});

it("on DELETE, the real bridge stops the agent, still pushes what it wrote, and leaves no process alive", async () => {
  const watch = watchProcesses(process.pid);
  cleanups.push(() => watch.stop());
  // $TMPDIR: the agent can write only its workspace, HOME and TMPDIR, all in the sandbox directory.
  const loop = 'echo $$ > "$TMPDIR/daemon.pid"; while :; do sleep 0.05; done';
  const aliveAtToken: SeenProcess[][] = [];
  const { remote, cp, host, spec, sandbox, sandboxId } = await stage({
    script: bashScript(`${daemon(loop, "understudy-stop-daemon")} echo partial > partial.txt && sleep 60`),
    branch: "understudy/4-slow",
    prompt: "Take your time",
    controlPlane: { onGitToken: () => aliveAtToken.push(watch.alive().filter((p) => p.nsPids.length >= 3)) },
  });
  await until(
    () =>
      existsSync(join(sandbox.dir, "repo", "partial.txt")) &&
      existsSync(join(sandbox.dir, "tmp", "daemon.pid")),
    "the agent's command and its daemon",
  );
  await until(
    () =>
      findDaemon(watch.seen(), "understudy-stop-daemon", join(sandbox.dir, "tmp", "daemon.pid")) !==
      undefined,
    "the daemon to be seen",
  );

  const del = await fetch(`${host.url}/sandboxes/${sandboxId}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${SECRET}` },
  });
  expect(del.status).toBe(204);
  // Checked at once: no process of the run (bridge, CLI, shell, daemon) outlives the DELETE.
  expect(watch.alive().map((p) => `${p.pid} ${p.nsPids.join("/")} ${p.cmdline.slice(0, 200)}`)).toEqual([]);
  // The bridge finished on SIGTERM by itself, within the grace, with every event acknowledged.
  expect({ exitCode: sandbox.exitCode, signal: sandbox.signal }).toEqual({ exitCode: 0, signal: null });
  const last = cp.events().at(-1);
  expect(last).toMatchObject({ type: "execution_complete", data: { success: false } });
  expect((last?.data as { error?: string } | undefined)?.error).toMatch(
    /^Stopped: the sandbox was shut down/,
  );
  expect(remote.git(["show", `refs/heads/${spec.repo.branch}:partial.txt`])).toBe("partial");
  // The stopped agent's namespace was empty before the bridge asked for the push token.
  expect(aliveAtToken).toHaveLength(2);
  expect(aliveAtToken[1]).toEqual([]);
});

it("an agent's setsid daemon cannot steal the push token: it is dead before the bridge asks for one", async () => {
  // The attack needs the namespace; without one `umount /proc` would act on the host's.
  expect(inPidNamespace({ command: "true", args: [] })).not.toBeNull();
  const watch = watchProcesses(process.pid);
  cleanups.push(() => watch.stop());
  const name = "understudy-attack-daemon";
  // Bracketed letters keep the loop's own command line from matching its pattern.
  const pattern = "x-access-toke[n]|gh[s]_|Authorizatio[n]|eC1hY2Nlc3MtdG9rZW4[6]";
  const loop = [
    'D="$TMPDIR"',
    "umount /proc 2>/dev/null",
    'echo $$ > "$D/daemon.pid"',
    "end=$(( $(date +%s) + 60 ))",
    'while [ "$(date +%s)" -lt "$end" ]; do',
    // One grep over every readable environ and cmdline per scan: quick enough to catch a short git.
    `  grep -ahE "${pattern}" /proc/[0-9]*/environ /proc/[0-9]*/cmdline >> "$D/loot.txt" 2>/dev/null`,
    '  echo "$(date +%s)" > "$D/daemon.alive"',
    "  sleep 0.05",
    "done",
  ].join("\n");
  // What the bridge and the remote see at the moments the token is in play.
  const aliveAtToken: SeenProcess[][] = [];
  const inAgentNamespace = () => watch.alive().filter((p) => p.nsPids.length >= 3);
  const { remote, served, cp, spec, sandbox } = await stage({
    script: bashScript(`${daemon(loop, name)} echo change > change.txt; sleep 1; echo started`),
    branch: "understudy/5-attack",
    prompt: "Change something",
    tokenRemote: true,
    controlPlane: { onGitToken: () => aliveAtToken.push(inAgentNamespace()) },
  });
  await until(() => existsSync(join(sandbox.dir, "tmp", "daemon.alive")), "the daemon's first scan");
  const pidFile = join(sandbox.dir, "tmp", "daemon.pid");
  await until(() => findDaemon(watch.seen(), name, pidFile) !== undefined, "the daemon to be seen");
  await sandbox.exited;
  watch.stop();

  // The push went through, with the token, to a remote that accepts nothing else.
  const events = cp.events();
  expect(events.find((e) => e.type === "push_complete")?.data).toMatchObject({ pushed: true });
  expect(remote.git(["show", `refs/heads/${spec.repo.branch}:change.txt`])).toBe("change");
  expect(served?.requests.some((r) => r.accepted && r.path.endsWith("/git-receive-pack"))).toBe(true);
  expect(cp.gitTokens).toEqual([TOKEN, TOKEN]);
  // It found nothing: not the token, not its Basic form.
  const loot = existsSync(join(sandbox.dir, "tmp", "loot.txt"))
    ? readFileSync(join(sandbox.dir, "tmp", "loot.txt"), "utf8")
    : "";
  expect(loot).not.toContain(TOKEN);
  expect(loot).not.toContain(BASIC);
  // The daemon ran (see above), and was dead by the time the push token was handed out (the second).
  expect(aliveAtToken[1]).toEqual([]);
  expect(watch.alive()).toEqual([]);
  // And the token is in no file the run left.
  expect(filesHolding(sandbox.dir, TOKEN)).toEqual([]);
  expect(filesHolding(sandbox.dir, BASIC)).toEqual([]);
});

it("gives the agent an environment with no GitHub token, sandbox token or host secret", async () => {
  const dump = [
    // The CLI's own process (PID 1 of the agent's namespace is bubblewrap, then its init): the one
    // whose program is claude.exe.
    `for d in /proc/[0-9]*; do case "$(tr "\\000" "\\n" < $d/cmdline 2>/dev/null | head -1)" in *claude.exe) P=\${d#/proc/};; esac; done`,
    `tr "\\000" "\\n" < /proc/self/environ > "$TMPDIR/shell-env.txt"`,
    `tr "\\000" "\\n" < /proc/$P/environ > "$TMPDIR/agent-env.txt"`,
    `tr "\\000" " " < /proc/$P/cmdline > "$TMPDIR/agent-cmdline.txt"`,
    `tr "\\000" " " < /proc/1/cmdline > "$TMPDIR/init-cmdline.txt"`,
  ].join("; ");
  const { root, cp, spec, sandbox } = await stage({
    script: bashScript(dump),
    branch: "understudy/6-env",
    prompt: "Show your environment",
    tokenRemote: true,
  });
  await sandbox.exited;

  const read = (name: string) => readFileSync(join(sandbox.dir, "tmp", name), "utf8");
  const shellEnv = read("shell-env.txt");
  const agentEnv = read("agent-env.txt");
  expect(read("agent-cmdline.txt")).toMatch(/claude\.exe -p /);
  expect(read("init-cmdline.txt")).toMatch(/^bwrap --unshare-all /);
  // The session's home (kept for the next run's resume), not the sandbox directory's own.
  expect(agentEnv).toContain(`HOME=${join(sessionDirOf(join(root, "sandboxes"), spec.sessionId), "home")}`);
  expect(cp.gitTokens).toEqual([TOKEN]); // the clone's; nothing changed, so no push
  for (const text of [shellEnv, agentEnv]) {
    for (const secret of [TOKEN, BASIC, cp.token, SECRET]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/GIT_CONFIG|GITHUB|GH_TOKEN|ghs_|x-access-token/);
  }
});
