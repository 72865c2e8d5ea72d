import { join } from "node:path";
import { addComment } from "./add-comment.js";
import { createBareRepo } from "./create-bare-repo.js";
import { ensureUser } from "./ensure-user.js";
import { findIssueOrPull } from "./find-issue-or-pull.js";
import { findRepo } from "./find-repo.js";
import { findUser } from "./find-user.js";
import type { GitHubStandIn } from "./github-stand-in.js";
import { issueInstallationToken } from "./issue-installation-token.js";
import { nextId } from "./next-id.js";
import { now } from "./now.js";
import type { StandInContext } from "./stand-in-context.js";
import type { StandInIssue, StandInRepo } from "./stand-in-state.js";

type Seeders = Pick<
  GitHubStandIn,
  | "createInstallation"
  | "createRepo"
  | "setPermission"
  | "createUser"
  | "createIssue"
  | "createIssueComment"
  | "createInstallationToken"
>;

/** The test-side API: puts the world in place as if people had done it on GitHub. */
export function createSeeders(ctx: StandInContext): Seeders {
  const repoOrThrow = (owner: string, name: string): StandInRepo => {
    const repo = findRepo(ctx.state, owner, name);
    if (!repo) throw new Error(`no repository ${owner}/${name}; createRepo it first`);
    return repo;
  };

  return {
    createInstallation({ account, permissions }) {
      ensureUser(ctx.state, account);
      const installation = {
        id: nextId(ctx.state),
        account,
        permissions: { ...(permissions ?? ctx.app.permissions) },
        createdAt: now(),
      };
      ctx.state.installations.push(installation);
      return installation;
    },

    async createRepo(opts) {
      if (!ctx.state.installations.some((i) => i.id === opts.installationId)) {
        throw new Error(`no installation ${opts.installationId}; createInstallation first`);
      }
      if (findRepo(ctx.state, opts.owner, opts.name)) throw new Error(`${opts.owner}/${opts.name} exists`);
      if (!/^[A-Za-z0-9_.-]+$/.test(opts.owner) || !/^[A-Za-z0-9_.-]+$/.test(opts.name)) {
        throw new Error(`not a GitHub owner/name: ${opts.owner}/${opts.name}`);
      }
      ensureUser(ctx.state, opts.owner);
      const defaultBranch = opts.defaultBranch ?? "main";
      const gitDir = join(ctx.reposRoot, opts.owner, `${opts.name}.git`);
      await createBareRepo(gitDir, { defaultBranch, files: opts.files });
      const repo: StandInRepo = {
        id: nextId(ctx.state),
        owner: opts.owner,
        name: opts.name,
        defaultBranch,
        private: opts.private ?? true,
        installationId: opts.installationId,
        gitDir,
        permissions: new Map(),
        nextNumber: 1,
        createdAt: now(),
      };
      ctx.state.repos.push(repo);
      return repo;
    },

    setPermission(owner, name, login, permission) {
      const repo = repoOrThrow(owner, name);
      const user = ensureUser(ctx.state, login);
      repo.permissions.set(user.login.toLowerCase(), permission);
    },

    createUser(login, type = "User") {
      if (findUser(ctx.state, login)) throw new Error(`user ${login} exists`);
      return ensureUser(ctx.state, login, type);
    },

    createIssue({ owner, repo: name, title, body, user }) {
      const repo = repoOrThrow(owner, name);
      ensureUser(ctx.state, user);
      const at = now();
      const issue: StandInIssue = {
        id: nextId(ctx.state),
        owner: repo.owner,
        repo: repo.name,
        number: repo.nextNumber++,
        title,
        body: body ?? null,
        user,
        state: "open",
        createdAt: at,
        updatedAt: at,
      };
      ctx.state.issues.push(issue);
      return issue;
    },

    createIssueComment({ owner, repo: name, issueNumber, body, user }) {
      const repo = repoOrThrow(owner, name);
      if (!findIssueOrPull(ctx.state, repo, issueNumber))
        throw new Error(`no #${issueNumber} in ${owner}/${name}`);
      ensureUser(ctx.state, user);
      return addComment(ctx, repo, issueNumber, body, user);
    },

    createInstallationToken(installationId, request) {
      const issued = issueInstallationToken(ctx, installationId, request);
      if (!issued.ok) throw new Error(`${issued.status} ${issued.message}`);
      return issued.token;
    },
  };
}
