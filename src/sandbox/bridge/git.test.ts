import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { createGitRemote } from "../../../test/support/bridge/git-remote.js";
import { serveGitRemote } from "../../../test/support/bridge/serve-git-remote.js";
import { GitError, git } from "./git.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const TOKEN = "ghs_GitTestToken0123456789abcdefABCDEF";
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");

/** Every process on the machine whose environment or command line holds `secret` (those readable). */
function processesHolding(secret: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    for (const file of ["environ", "cmdline"]) {
      try {
        if (readFileSync(`/proc/${pid}/${file}`, "latin1").includes(secret)) found.push(`${pid}/${file}`);
      } catch {
        // Gone, or not ours to read.
      }
    }
  }
  return found;
}

/** Every file under `dir` whose bytes hold `secret`. */
function filesHolding(dir: string, secret: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((file) => readFileSync(file).includes(secret));
}

async function setup(onAccepted?: () => void) {
  const root = mkdtempSync(join(tmpdir(), "understudy-git-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const remote = createGitRemote(root);
  const served = await serveGitRemote(remote, { accepts: (p) => p === TOKEN, onAccepted });
  cleanups.push(() => served.close());
  return { root, remote, served };
}

it("clones and pushes with the token through the credential helper, and only there", async () => {
  const seen: string[][] = [];
  const { root, remote, served } = await setup(() => {
    seen.push([...processesHolding(TOKEN), ...processesHolding(BASIC)]);
  });
  const repo = join(root, "clone");
  await git(["clone", "--quiet", "--", served.url, repo], { token: TOKEN });
  writeFileSync(join(repo, "new.txt"), "new\n");
  const id = {
    GIT_AUTHOR_NAME: "T",
    GIT_AUTHOR_EMAIL: "t@e",
    GIT_COMMITTER_NAME: "T",
    GIT_COMMITTER_EMAIL: "t@e",
  };
  await git(["add", "new.txt"], { cwd: repo });
  await git(["commit", "--quiet", "-m", "New"], { cwd: repo, env: id });
  await git(["push", "--quiet", served.url, "HEAD:refs/heads/topic"], { cwd: repo, token: TOKEN });

  expect(remote.git(["show", "refs/heads/topic:new.txt"])).toBe("new");
  // git asked without credentials first, then with the token as GitHub wants it.
  expect(served.requests.filter((r) => r.accepted).length).toBeGreaterThanOrEqual(2);
  expect(served.requests.every((r) => r.password === null || r.password === TOKEN)).toBe(true);
  // While git waited for each authenticated answer, no process had the token in argv or environment.
  expect(seen.length).toBeGreaterThanOrEqual(2);
  expect(seen.flat()).toEqual([]);
  expect(readFileSync(join(repo, ".git", "config"), "utf8")).not.toContain(TOKEN);
  expect(filesHolding(root, TOKEN)).toEqual([]);
}, 30_000);

it("fails without prompting when the token is wrong or missing, and never shows it", async () => {
  const { root, served } = await setup();
  const wrong = "ghs_WrongToken0123456789abcdefABCDEFGH";
  const failure = await git(["clone", "--quiet", "--", served.url, join(root, "a")], { token: wrong }).catch(
    (e: unknown) => e,
  );
  expect(failure).toBeInstanceOf(GitError);
  expect((failure as GitError).message).toMatch(/Authentication failed|401/);
  expect((failure as GitError).message).not.toContain(wrong);
  await expect(git(["clone", "--quiet", "--", served.url, join(root, "b")])).rejects.toThrow(GitError);
  expect(served.requests.some((r) => r.accepted)).toBe(false);
});

it("redacts the token from git's error output", async () => {
  const { remote } = await setup();
  const failure = (await git(["--git-dir", remote.dir, "rev-parse", TOKEN], { token: TOKEN }).catch(
    (e: unknown) => e,
  )) as GitError;
  expect(failure).toBeInstanceOf(GitError);
  expect(failure.stderr).toMatch(/ambiguous argument '\[redacted\]'/);
  expect(`${failure.message}\n${failure.stderr}`).not.toContain(TOKEN);
});

it("refuses a token that could inject lines into the credential protocol", async () => {
  await expect(git(["version"], { token: "ghs_abc\npassword=evil" })).rejects.toThrow(/printable/);
});

it("runs git and what it starts at the nice value asked for, and at the bridge's own otherwise", async () => {
  // `nice` without arguments prints the niceness it runs at; a `!` alias runs it as git's child.
  const niceness = (opts: { niceness?: number }) =>
    git(["-c", "alias.niceness=!nice", "niceness"], opts).then(Number);
  const own = await niceness({});
  expect(own).toBeLessThan(19);
  expect(await niceness({ niceness: 19 })).toBe(19);
});
