import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, expect, it } from "vitest";
import { gitEnv } from "./git-env.js";
import { GitError, runGit } from "./run-git.js";
import type { StandInPush } from "./stand-in-state.js";
import { type GitHubStandIn, startGitHubStandIn } from "./start-github-stand-in.js";

const execFileAsync = promisify(execFile);

let gh: GitHubStandIn;
let work: string;
let installationId: number;

beforeEach(async () => {
  gh = await startGitHubStandIn();
  installationId = gh.createInstallation({ account: "octo" }).id;
  await gh.createRepo({ owner: "octo", name: "hello", files: { "src/a.txt": "one\n" }, installationId });
  await gh.createRepo({ owner: "octo", name: "other", files: { "b.txt": "two\n" }, installationId });
  work = await mkdtemp(join(tmpdir(), "stand-in-git-test-"));
});

afterEach(async () => {
  expect(gh.unhandled).toEqual([]);
  expect(gh.undocumented).toEqual([]);
  await gh.close();
  await rm(work, { recursive: true, force: true });
});

/** The header the bridge uses: GitHub's installation-token form of Basic auth. */
const basic = (token: string) =>
  `http.extraHeader=Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;

const clone = (token: string | undefined, repo = "hello") =>
  runGit(work, [
    ...(token ? ["-c", basic(token)] : []),
    "clone",
    "--quiet",
    `${gh.url}/octo/${repo}.git`,
    "checkout",
  ]);

it("clones, commits and pushes a branch over smart HTTP with an installation token", async () => {
  const pushes: StandInPush[] = [];
  gh.events.on("push", (push) => pushes.push(push));
  const token = gh.createInstallationToken(installationId).token;
  await clone(token);
  const checkout = join(work, "checkout");
  expect(await readFile(join(checkout, "src/a.txt"), "utf8")).toBe("one\n");

  await runGit(checkout, ["checkout", "--quiet", "-b", "understudy/1-fix"]);
  await writeFile(join(checkout, "src/a.txt"), "one\ntwo\n");
  await runGit(checkout, ["commit", "--quiet", "-am", "Fix"]);
  // Incompressible and over http.postBuffer (1 MiB), so git streams the pack with chunked encoding.
  await writeFile(join(checkout, "big.bin"), randomBytes(1_500_000));
  await runGit(checkout, ["add", "big.bin"]);
  await runGit(checkout, ["commit", "--quiet", "-m", "Big"]);
  await runGit(checkout, ["-c", basic(token), "push", "--quiet", "origin", "understudy/1-fix"]);

  const local = (await runGit(checkout, ["rev-parse", "HEAD"])).trim();
  expect(await gh.git("octo", "hello", "rev-parse", "refs/heads/understudy/1-fix")).toBe(local);
  expect(await gh.git("octo", "hello", "show", "understudy/1-fix:src/a.txt")).toBe("one\ntwo");
  expect(pushes).toHaveLength(1);
  expect(pushes[0]).toMatchObject({
    owner: "octo",
    repo: "hello",
    installationId,
    refs: [{ ref: "refs/heads/understudy/1-fix", before: null, after: local }],
  });
  expect(gh.state.pushes).toEqual(pushes);

  // A fetch with many local-only commits sends kilobytes of "have" lines, which git gzips.
  // 300 commits in one git process: fast-import from a generated stream.
  const head = (await runGit(checkout, ["rev-parse", "HEAD"])).trim();
  // Newer than everything else, so the negotiator offers them before reaching common history.
  const now = Math.floor(Date.now() / 1000);
  const stream = Array.from({ length: 300 }, (_, i) => {
    const message = `local ${String(i).padStart(3, "0")}`;
    const from = i === 0 ? `from ${head}\n` : "";
    return `commit refs/heads/many\ncommitter A <a@example.com> ${now + i} +0000\ndata ${message.length}\n${message}\n${from}\n`;
  }).join("");
  await writeFile(join(work, "many.fi"), stream);
  await execFileAsync("sh", ["-c", 'git fast-import --quiet < "$0"', join(work, "many.fi")], {
    cwd: checkout,
    env: gitEnv(),
  });
  const tree = await gh.git("octo", "hello", "rev-parse", "main^{tree}");
  const upstream = await gh.git("octo", "hello", "commit-tree", tree, "-p", "main", "-m", "upstream");
  await gh.git("octo", "hello", "update-ref", "refs/heads/main", upstream);
  const fetched = await execFileAsync("git", ["-c", basic(token), "fetch", "--quiet", "origin"], {
    cwd: checkout,
    env: gitEnv({ GIT_TRACE_CURL: "1", GIT_TRACE_CURL_NO_DATA: "1" }),
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(fetched.stderr).toContain("Content-Encoding: gzip");
  expect((await runGit(checkout, ["rev-parse", "origin/main"])).trim()).toBe(upstream);

  const paths = gh.log.map((e) => `${e.method} ${e.path}${e.query ?? ""} ${e.status}`);
  expect(paths).toContain("POST /octo/hello.git/git-receive-pack 200");
});

it("refuses git without a token, with a wrong or expired token, and outside the token's scope", async () => {
  await expect(clone(undefined)).rejects.toThrow(GitError);
  // git answers a 401 by asking for a username, which the isolated environment forbids.
  await expect(clone("ghs_wrongwrongwrongwrongwrongwrongwrong")).rejects.toThrow(/could not read Username/);

  const scoped = gh.createInstallationToken(installationId, { repositories: ["other"] }).token;
  await expect(clone(scoped)).rejects.toThrow(/403/);

  const expired = gh.createInstallationToken(installationId);
  expired.expiresAt = 0;
  await expect(clone(expired.token)).rejects.toThrow(GitError);
  expect(gh.log.some((e) => e.status === 401)).toBe(true);
});

it("lets a contents:read token fetch but not push", async () => {
  const token = gh.createInstallationToken(installationId, { permissions: { contents: "read" } }).token;
  await clone(token);
  const checkout = join(work, "checkout");
  await runGit(checkout, ["commit", "--quiet", "--allow-empty", "-m", "x"]);
  await expect(
    runGit(checkout, ["-c", basic(token), "push", "origin", "HEAD:refs/heads/nope"]),
  ).rejects.toThrow(/403/);
  await expect(
    gh.git("octo", "hello", "rev-parse", "--verify", "--quiet", "refs/heads/nope"),
  ).rejects.toThrow();
  expect(gh.state.pushes).toEqual([]);
});
