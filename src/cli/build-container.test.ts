/**
 * The `cloudflare` provider's deployment, as far as it can go without Docker or an account: what the
 * image copies into /opt/understudy (`npm run build:container`), laid out so outside the project and
 * run as the provider starts it in a container (spec file, environment, no work directories made
 * beforehand) for a real session: real git remote, the real Claude Code CLI in bubblewrap against the
 * scripted model server, a stand-in control plane; and wrangler.toml's commented containers section,
 * uncommented as the README says, bundled by the real wrangler with a stand-in for Docker that
 * records what wrangler asks it to build.
 */
import { spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { startFakeControlPlane } from "../../test/support/bridge/fake-control-plane.js";
import { createGitRemote } from "../../test/support/bridge/git-remote.js";
import { ensureBubblewrap } from "../../test/support/ensure-bubblewrap.js";
import { hostTestSpec } from "../../test/support/host/sandbox-spec.js";
import { contributingScript, startModelServer } from "../demo/model-server.js";
import { bridgeEnv } from "../sandbox/providers/cloudflare-provider.js";
import { buildContainer } from "./build-container.js";
import { projectRoot } from "./start-control-plane.js";
import { isolateWrangler } from "./wrangler-env.js";

// Offline, and config and logs under the project (the child inherits it).
isolateWrangler(projectRoot);

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "understudy-container-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

it("fills the image's /opt/understudy: its bridge runs a real session from the spec file the provider writes", async () => {
  ensureBubblewrap();
  const root = tempDir();
  // The image's layout, outside the project: the agent CLIs in node_modules beside the bridge.
  const opt = join(root, "opt", "understudy");
  mkdirSync(opt, { recursive: true });
  const built = await buildContainer(projectRoot, opt);
  symlinkSync(join(projectRoot, "node_modules"), join(opt, "node_modules"));
  const project = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8"));
  expect(JSON.parse(readFileSync(built.packageJson, "utf8")).dependencies).toEqual({
    "@anthropic-ai/claude-code": project.dependencies["@anthropic-ai/claude-code"],
    "@openai/codex": project.dependencies["@openai/codex"],
  });

  const remote = createGitRemote(root);
  const model = await startModelServer(contributingScript());
  cleanups.push(() => model.close());
  const cp = await startFakeControlPlane({});
  cleanups.push(() => cp.close());
  const spec = hostTestSpec({
    sessionId: cp.sessionId,
    controlUrl: cp.url,
    token: cp.token,
    repo: {
      cloneUrl: remote.url,
      owner: "acme",
      name: "widgets",
      baseBranch: "main",
      branch: "understudy/5-docs",
    },
    prompt: "Document how to run the tests in a CONTRIBUTING.md",
    timeLimitMs: 120_000,
  });
  // What the provider does in the container: the spec in a file, the bridge with the provider's env.
  const workspace = join(root, "workspace");
  mkdirSync(workspace);
  const specFile = join(workspace, "spec.json");
  writeFileSync(specFile, JSON.stringify(spec));
  const env = {
    ...bridgeEnv(spec, { ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: model.url }, "bubblewrap"),
    UNDERSTUDY_SPEC_FILE: specFile,
    UNDERSTUDY_WORK_DIR: join(workspace, "run"),
    PATH: process.env.PATH ?? "/usr/bin:/bin",
  };
  const result = await run(process.execPath, [built.bridge], env);

  expect(result.code, result.output).toBe(0);
  expect(existsSync(specFile)).toBe(false);
  const events = cp.events();
  expect(events.find((e) => e.type === "isolation")?.data).toMatchObject({ mode: "bubblewrap" });
  expect(events.find((e) => e.type === "push_complete")?.data).toMatchObject({
    pushed: true,
    commitsAhead: 1,
  });
  expect(events.at(-1)).toMatchObject({ type: "execution_complete", data: { success: true } });
  expect(remote.git(["show", `refs/heads/${spec.repo.branch}:CONTRIBUTING.md`])).toContain("npm test");
  for (const dir of ["home", "tmp"]) expect(statSync(join(workspace, "run", dir)).mode & 0o777).toBe(0o700);
});

it("the bridge refuses a spec file it cannot use, and deletes it unread by anything else", async () => {
  const built = await buildContainer(projectRoot, tempDir());
  const dir = tempDir();
  const specFile = join(dir, "spec.json");
  writeFileSync(specFile, JSON.stringify({ run: "one" }));
  const env = { ...process.env, UNDERSTUDY_WORK_DIR: join(dir, "run") };
  const bad = await run(process.execPath, [built.bridge], { ...env, UNDERSTUDY_SPEC_FILE: specFile });
  expect(bad.code).toBe(2);
  expect(bad.output).toContain(`invalid spec in the spec file ${specFile}: `);
  expect(existsSync(specFile)).toBe(false);

  const missing = await run(process.execPath, [built.bridge], {
    ...env,
    UNDERSTUDY_SPEC_FILE: join(dir, "never-written.json"),
  });
  expect(missing.code).toBe(2);
  expect(missing.output).toContain("could not read the spec from the spec file");
});

it("wrangler.toml's containers section, turned on as the README says, bundles and builds container/Dockerfile", async () => {
  const dir = tempDir();
  // Docker as wrangler calls it: `docker info`, then `docker build … -f - <context>`, the Dockerfile on stdin.
  const docker = join(dir, "docker");
  writeFileSync(
    docker,
    `#!/bin/sh\necho "$@" >> "${dir}/calls"\nif [ "$1" = build ]; then cat > "${dir}/Dockerfile.seen"; fi\nexit 0\n`,
  );
  chmodSync(docker, 0o755);
  const config = join(projectRoot, `wrangler.containers-test-${process.pid}.toml`);
  cleanups.push(() => rmSync(config, { force: true }));
  writeFileSync(config, turnOnContainers(readFileSync(join(projectRoot, "wrangler.toml"), "utf8")));

  const result = await run(
    process.execPath,
    [
      join(projectRoot, "node_modules/wrangler/bin/wrangler.js"),
      "deploy",
      "--dry-run",
      "--outdir",
      join(dir, "out"),
      "-c",
      config,
    ],
    { ...process.env, WRANGLER_DOCKER_BIN: docker },
  );
  expect(result.code, result.output).toBe(0);
  expect(result.output).toMatch(/env\.SANDBOX \(Sandbox\)\s+Durable Object/);
  expect(result.output).toContain(`(${join(projectRoot, "container", "Dockerfile")})`);
  const calls = readFileSync(join(dir, "calls"), "utf8");
  expect(calls).toMatch(new RegExp(`^build .* -f - ${join(projectRoot, "container")}$`, "m"));
  expect(readFileSync(join(dir, "Dockerfile.seen"), "utf8")).toBe(
    readFileSync(join(projectRoot, "container", "Dockerfile"), "utf8"),
  );
  // The bundle exports the SDK's class the binding names, and the Worker's own objects.
  const bundle = readFileSync(join(dir, "out", "with-containers.js"), "utf8");
  expect(bundle).toMatch(/export\s*\{[^}]*\bSandbox\b[^}]*\}/);
  expect(bundle).toMatch(/export\s*\{[^}]*\bSessionDO\b[^}]*\}/);
});

/** wrangler.toml as a deployer turns the containers on: its `main`, and the commented blocks uncommented. */
function turnOnContainers(toml: string): string {
  let on = toml.replace(/^main = "worker\/index\.ts"$/m, 'main = "worker/with-containers.ts"');
  on = on.replace(/^SANDBOX_PROVIDER = "local"$/m, 'SANDBOX_PROVIDER = "cloudflare"');
  const lines = on.split("\n");
  const start = lines.indexOf("# [[containers]]");
  const end = lines.findIndex((l, i) => i > start && l.startsWith("# new_sqlite_classes"));
  if (start < 0 || end < 0) throw new Error("wrangler.toml has no commented containers section");
  for (let i = start; i <= end; i++) {
    const line = lines[i]!;
    lines[i] = line === "#" ? "" : line.replace(/^# /, "");
  }
  return lines.join("\n");
}
