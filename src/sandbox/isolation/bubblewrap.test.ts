/**
 * The real Claude Code CLI inside bubblewrap, with the bridge's allowlisting proxy as its only way
 * out: what a run can see, write and reach, checked from inside the run by commands the scripted
 * model asks it to run.
 */
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureBubblewrap } from "../../../test/support/ensure-bubblewrap.js";
import { loopbackEndpoints, parseHostRule, ruleForUrl } from "../../core/host-allowlist.js";
import type { EventInput } from "../../core/wire.js";
import { bashScript, startModelServer } from "../../demo/model-server.js";
import { claudeCodeEnv, runClaudeCode } from "../agents/claude-code.js";
import type { Command } from "../agents/pid-namespace.js";
import { agentPackageDirs } from "./agent-package-dirs.js";
import { bubblewrapCommand, proxyEnv } from "./bubblewrap.js";
import { type BlockedRequest, startNetworkProxy } from "./network-proxy.js";
import { createRunCgroup, type RunLimits } from "./run-cgroup.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
beforeAll(() => ensureBubblewrap());

const agentPackages = agentPackageDirs();
/** A package of the project that is not an agent's: the sandbox must not show it. */
const otherPackage = dirname(createRequire(import.meta.url).resolve("wrangler/package.json"));

type Paths = { root: string; repo: string; port: number };

async function runInside(
  command: (paths: Paths) => string,
  opts: { files?: Record<string, string>; limits?: RunLimits } = {},
  extraEnv: Record<string, string> = {},
) {
  const root = mkdtempSync(join(tmpdir(), "understudy-bwrap-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const repo = join(root, "repo");
  for (const dir of [repo, join(root, "home"), join(root, "tmp")]) mkdirSync(dir);
  writeFileSync(join(root, "secret.txt"), "host-only secret\n");
  execFileSync("git", ["init", "-q", "-b", "main"], { cwd: repo });
  for (const [name, text] of Object.entries(opts.files ?? {})) writeFileSync(join(repo, name), text);
  let port = 0;
  const server = await startModelServer((ctx) => bashScript(command({ root, repo, port }))(ctx));
  port = Number(new URL(server.url).port);
  cleanups.push(() => server.close());
  const rules = [ruleForUrl(server.url)].map(parseHostRule);
  const blocked: BlockedRequest[] = [];
  const proxy = await startNetworkProxy({
    socketPath: join(root, "proxy.sock"),
    rules,
    // The model server is the operator's: reached on loopback as named.
    trusted: rules,
    onBlocked: (b) => blocked.push(b),
  });
  cleanups.push(() => proxy.close());
  const env = {
    ...claudeCodeEnv({
      home: join(root, "home"),
      tmpdir: join(root, "tmp"),
      path: "/usr/local/bin:/usr/bin:/bin",
      model: { baseUrl: server.url, apiKey: "test-key" },
      maxRetries: 0,
    }),
    ...proxyEnv(),
    ...extraEnv,
  };
  const group = opts.limits ? createRunCgroup(`test-${process.pid}-${Date.now()}`, opts.limits) : null;
  if (group && "unavailable" in group) throw new Error(`no cgroup here: ${group.unavailable}`);
  if (group) cleanups.push(() => group.remove());
  const enter = (cmd: Command) => (group ? group.enter(cmd) : cmd);
  const events: EventInput[] = [];
  const result = await runClaudeCode(
    {
      prompt: "Check the sandbox",
      cwd: repo,
      env,
      wrap: (cmd) =>
        enter(
          bubblewrapCommand(
            {
              workspace: repo,
              home: join(root, "home"),
              tmp: join(root, "tmp"),
              readOnly: agentPackages,
              network: { socketPath: proxy.socketPath, forwards: loopbackEndpoints(rules) },
            },
            cmd,
          ),
        ),
    },
    (e) => events.push(e),
  );
  const output = events.flatMap((e) => (e.type === "tool_result" ? [e.data.output] : [])).join("\n");
  return { root, result, output, blocked, server, group };
}

// Run inside the sandbox by the agent's Bash tool: reports what it could see, write and reach.
const PROBE = String.raw`
const fs = require("node:fs");
const http = require("node:http");
const net = require("node:net");
const [outsideFile, modelPort, otherPackage] = process.argv.slice(2);
const report = {};
const attempt = (name, fn) => { try { fn(); report[name] = "ok"; } catch (e) { report[name] = e.code || e.message; } };
attempt("writeOutside", () => fs.writeFileSync(outsideFile + ".new", "x"));
attempt("readOutside", () => fs.readFileSync(outsideFile));
attempt("otherPackage", () => fs.readdirSync(otherPackage));
attempt("writeUsr", () => fs.writeFileSync("/usr/understudy-probe", "x"));
attempt("writeHome", () => fs.writeFileSync(process.env.HOME + "/probe", "x"));
attempt("writeWorkspace", () => fs.writeFileSync("probe-output.txt", "x"));
report.env = process.env;
report.pids = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).length;
const viaProxy = (opts) => new Promise((resolve) => {
  const req = http.request({ host: "127.0.0.1", port: 3128, ...opts });
  req.on("connect", (res, socket) => { socket.destroy(); resolve(res.statusCode); });
  req.on("response", (res) => { res.resume(); resolve(res.statusCode); });
  req.on("error", (e) => resolve(e.code));
  req.end();
});
const direct = () => new Promise((resolve) => {
  const s = net.connect(443, "1.1.1.1");
  s.on("connect", () => { s.destroy(); resolve("connected"); });
  s.on("error", (e) => resolve(e.code));
});
(async () => {
  report.httpBlocked = await viaProxy({ path: "http://example.com/" });
  report.connectBlocked = await viaProxy({ method: "CONNECT", path: "github.com:443" });
  report.modelAllowed = await viaProxy({ path: "http://127.0.0.1:" + modelPort + "/nothing-here" });
  report.direct = await direct();
  console.log("PROBE " + JSON.stringify(report));
})();
`;

describe("an agent inside bubblewrap", () => {
  it("writes only its workspace, sees no secret, and reaches the model API and nothing else", async () => {
    const { root, result, output, blocked, server } = await runInside(
      (r) =>
        `node ${JSON.stringify(join(r.repo, "probe.cjs"))} ${JSON.stringify(join(r.root, "secret.txt"))} ${r.port} ${JSON.stringify(otherPackage)}`,
      { files: { "probe.cjs": PROBE } },
      { GITHUB_TOKEN_SHOULD_NOT: "x" },
    );
    expect(result.success, result.error).toBe(true);
    const line = /PROBE (\{.*\})/.exec(output)?.[1];
    expect(line, output).toBeDefined();
    const report = JSON.parse(line!);
    // The directories above the bound ones exist only in the sandbox's own tmpfs: a write there
    // (if the probe manages one) never reaches the host.
    expect(existsSync(join(root, "secret.txt.new"))).toBe(false);
    expect(report.readOutside).toBe("ENOENT");
    expect(report.writeUsr).toBe("EROFS");
    // Of the project's packages only the agent CLIs are there: not wrangler, beside them.
    expect(report.otherPackage).toBe("ENOENT");
    expect(report.writeHome).toBe("ok");
    expect(report.writeWorkspace).toBe("ok");
    expect(report.pids).toBeLessThan(10);
    expect(Object.keys(report.env).sort()).toEqual(
      expect.not.arrayContaining(["UNDERSTUDY_SANDBOX_TOKEN", "SANDBOX_HOST_SECRET", "GITHUB_TOKEN"]),
    );
    expect(report.httpBlocked).toBe(403);
    expect(report.connectBlocked).toBe(403);
    expect(report.modelAllowed).toBe(404);
    expect(report.direct).toMatch(/^(ENETUNREACH|EHOSTUNREACH|ECONNREFUSED)$/);
    expect(blocked).toEqual([
      { host: "example.com", port: 80 },
      { host: "github.com", port: 443 },
    ]);
    expect(server.unexpected.join(" ")).toContain("/nothing-here");
  });

  it("holds everything in the sandbox to its process and memory limits", async () => {
    const root = mkdtempSync(join(tmpdir(), "understudy-bwrap-limits-"));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    for (const dir of ["repo", "home", "tmp"]) mkdirSync(join(root, dir));
    const proxy = await startNetworkProxy({
      socketPath: join(root, "proxy.sock"),
      rules: [],
      onBlocked: () => {},
    });
    cleanups.push(() => proxy.close());
    const group = createRunCgroup(`test-${process.pid}-${Date.now()}`, {
      memoryBytes: 512 * 2 ** 20,
      processes: 64,
    });
    if ("unavailable" in group) throw new Error(`no cgroup here: ${group.unavailable}`);
    cleanups.push(() => group.remove());
    const layout = {
      workspace: join(root, "repo"),
      home: join(root, "home"),
      tmp: join(root, "tmp"),
      readOnly: [],
      network: { socketPath: proxy.socketPath, forwards: [] },
    };
    const inSandbox = (script: string) => {
      const { command, args } = group.enter(
        bubblewrapCommand(layout, { command: "/bin/sh", args: ["-c", script] }),
      );
      const run = spawnSync(command, args, {
        encoding: "utf8",
        timeout: 60_000,
        env: { PATH: "/usr/bin:/bin", TMPDIR: layout.tmp },
      });
      return { status: run.status, output: `${run.stdout}${run.stderr}` };
    };
    // 200 background sleeps against a limit of 64 tasks (the sandbox's init and shell count too):
    // dash gives up at the first fork that fails, and its sleeps end with the sandbox.
    const forks = inSandbox(
      'i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); echo $i > "$TMPDIR/forked"; done; echo all',
    );
    expect(forks.output).not.toContain("all");
    expect(forks.output).toMatch(/fork/i);
    expect(Number(readFileSync(join(root, "tmp", "forked"), "utf8"))).toBeLessThan(64);
    // 1.25 GiB against a limit of 512 MiB: the kernel ends the process that asked for it.
    const memory = inSandbox(
      `node -e "const a = []; for (let i = 0; i < 20; i++) a.push(Buffer.alloc(64 * 2 ** 20, 1)); console.log('allocated')"; echo "node exit $?"`,
    );
    expect(memory.output).not.toContain("allocated");
    expect(memory.output).toContain("node exit 137");
    expect(group.oomKilled()).toBe(true);
  });
});

describe("the operator's loopback model endpoint", () => {
  it("is reached inside at the address and port it has outside: 127.0.0.1, [::1] and localhost", async () => {
    const root = mkdtempSync(join(tmpdir(), "understudy-bwrap-loopback-"));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    for (const dir of ["repo", "home", "tmp"]) mkdirSync(join(root, dir));
    // One server per address family, each answering with where it listens.
    const servers = await Promise.all(
      ["127.0.0.1", "::1", "127.0.0.1"].map(
        (address) =>
          new Promise<{ address: string; port: number; close: () => void }>((resolve) => {
            const server = createServer((_req, res) => res.end(`hello from ${address}`));
            server.listen(0, address, () =>
              resolve({
                address,
                port: (server.address() as AddressInfo).port,
                close: () => server.close(),
              }),
            );
          }),
      ),
    );
    for (const s of servers) cleanups.push(() => s.close());
    const [v4, v6, named] = servers as [(typeof servers)[0], (typeof servers)[0], (typeof servers)[0]];
    const urls = [`http://127.0.0.1:${v4.port}`, `http://[::1]:${v6.port}`, `http://localhost:${named.port}`];
    const rules = urls.map((u) => parseHostRule(ruleForUrl(u)));
    const proxy = await startNetworkProxy({
      socketPath: join(root, "proxy.sock"),
      rules,
      trusted: rules,
      onBlocked: () => {},
    });
    cleanups.push(() => proxy.close());
    const layout = {
      workspace: join(root, "repo"),
      home: join(root, "home"),
      tmp: join(root, "tmp"),
      readOnly: [],
      network: { socketPath: proxy.socketPath, forwards: loopbackEndpoints(rules) },
    };
    // Fetched directly (no proxy variables), as a client that ignores them for loopback would.
    const script = `Promise.all(${JSON.stringify(urls)}.map((u) => fetch(u).then((r) => r.text(), (e) => String(e.cause ?? e)))).then((t) => console.log(JSON.stringify(t)))`;
    const { command, args } = bubblewrapCommand(layout, { command: process.execPath, args: ["-e", script] });
    const run = await new Promise<string>((resolve) => {
      execFile(command, args, { timeout: 30_000, env: { PATH: "/usr/bin:/bin" } }, (_err, stdout, stderr) =>
        resolve(`${stdout}${stderr}`),
      );
    });
    expect(run).toContain(JSON.stringify(["hello from 127.0.0.1", "hello from ::1", "hello from 127.0.0.1"]));
  });
});
