import { Probot, ProbotOctokit } from "probot";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type GitHubStandIn, startGitHubStandIn } from "./start-github-stand-in.js";

// The bot talks to GitHub through Probot's Octokit; this proves the stand-in accepts exactly that.
let gh: GitHubStandIn;
let installationId: number;

beforeAll(async () => {
  gh = await startGitHubStandIn({ appId: 777 });
  installationId = gh.createInstallation({ account: "octo" }).id;
  await gh.createRepo({
    owner: "octo",
    name: "hello",
    files: { ".github/understudy.yml": "agent: codex\ndraft: true\n" },
    installationId,
  });
});

afterAll(async () => {
  await gh.close();
});

it("serves Probot's App auth, installation auth, config() and REST calls", async () => {
  const probot = new Probot({
    appId: gh.app.id,
    privateKey: gh.app.privateKeyPkcs8,
    baseUrl: gh.apiUrl,
    Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }),
    logLevel: "fatal",
  });
  const appOctokit = await probot.auth();
  const { data: app } = await appOctokit.rest.apps.getAuthenticated();
  expect(app?.slug).toBe("understudy");

  const octokit = await probot.auth(installationId);
  const { config } = await octokit.config.get({
    owner: "octo",
    repo: "hello",
    path: ".github/understudy.yml",
  });
  expect(config).toEqual({ agent: "codex", draft: true });

  const issue = gh.createIssue({ owner: "octo", repo: "hello", title: "t", user: "octo" });
  const { data: comment } = await octokit.rest.issues.createComment({
    owner: "octo",
    repo: "hello",
    issue_number: issue.number,
    body: "hello",
  });
  expect(comment.user?.login).toBe("understudy[bot]");
  const { data: perm } = await octokit.rest.repos.getCollaboratorPermissionLevel({
    owner: "octo",
    repo: "hello",
    username: "octo",
  });
  expect(perm.permission).toBe("admin");
  const all = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: "octo",
    repo: "hello",
    issue_number: issue.number,
    per_page: 1,
  });
  expect(all).toHaveLength(1);
  expect(gh.unhandled).toEqual([]);
  expect(gh.undocumented).toEqual([]);
  expect(gh.state.tokens).toHaveLength(1);
});
