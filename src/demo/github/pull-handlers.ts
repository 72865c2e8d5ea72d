import { http, type RequestHandler } from "msw";
import * as z from "zod";
import { githubError } from "./github-error.js";
import { githubJson } from "./github-json.js";
import { nextId } from "./next-id.js";
import { now } from "./now.js";
import { paginate } from "./paginate.js";
import { parseNumber } from "./parse-number.js";
import { readJsonBody } from "./read-json-body.js";
import { renderPull } from "./render-pull.js";
import { type Needs, requireInstallationToken } from "./require-installation-token.js";
import { resolveBranch } from "./resolve-branch.js";
import { runGit } from "./run-git.js";
import type { StandInContext } from "./stand-in-context.js";
import type { StandInPull, StandInRepo } from "./stand-in-state.js";

const CreatePull = z.object({
  title: z.string().min(1),
  head: z.string().min(1),
  base: z.string().min(1),
  body: z.string().max(65_536).nullable().optional(),
  draft: z.boolean().optional(),
  maintainer_can_modify: z.boolean().optional(),
});
const UpdatePull = z.object({
  title: z.string().min(1).optional(),
  body: z.string().max(65_536).nullable().optional(),
  state: z.enum(["open", "closed"]).optional(),
  base: z.string().min(1).optional(),
  maintainer_can_modify: z.boolean().optional(),
});

const READ: Needs = [["pull_requests", "read"]];
const WRITE: Needs = [["pull_requests", "write"]];

type RepoParams = { owner: string; repo: string };

/** Pull requests: https://docs.github.com/rest/pulls/pulls */
export function pullHandlers(ctx: StandInContext): RequestHandler[] {
  const base = `${ctx.apiUrl}/repos/:owner/:repo/pulls`;

  const render = async (repo: StandInRepo, pull: StandInPull) =>
    renderPull(ctx, repo, pull, {
      head: await resolveBranch(repo.gitDir, pull.head),
      base: await resolveBranch(repo.gitDir, pull.base),
    });

  const findPull = (repo: StandInRepo, number: string) => {
    const n = parseNumber(number);
    return ctx.state.pulls.find((p) => p.owner === repo.owner && p.repo === repo.name && p.number === n);
  };

  return [
    http.post<RepoParams>(base, async ({ request, params }) => {
      const auth = requireInstallationToken(request, ctx, params.owner, params.repo, WRITE);
      if (!auth.ok) return auth.response;
      const { repo } = auth;
      const body = await readJsonBody(request, CreatePull);
      if (!body.ok) return body.response;
      const { title, base: baseRef, draft } = body.data;

      // `head` may be "branch" or "owner:branch"; the stand-in has no forks.
      const [headOwner, headRef] = body.data.head.includes(":")
        ? (body.data.head.split(":", 2) as [string, string])
        : [repo.owner, body.data.head];
      const invalid = (field: string) =>
        githubError(422, "Validation Failed", {
          errors: [{ resource: "PullRequest", field, code: "invalid" }],
        });
      const custom = (message: string) =>
        githubError(422, "Validation Failed", {
          errors: [{ resource: "PullRequest", code: "custom", message }],
        });

      const baseSha = await resolveBranch(repo.gitDir, baseRef);
      if (!baseSha) return invalid("base");
      const headSha =
        headOwner.toLowerCase() === repo.owner.toLowerCase()
          ? await resolveBranch(repo.gitDir, headRef)
          : null;
      if (!headSha) return invalid("head");
      const ahead = Number(
        (await runGit(repo.gitDir, ["rev-list", "--count", `${baseSha}..${headSha}`])).trim(),
      );
      if (ahead === 0) return custom(`No commits between ${baseRef} and ${headRef}`);
      // Checked after the last await, so two concurrent creates cannot both pass.
      const open = ctx.state.pulls.find(
        (p) => p.owner === repo.owner && p.repo === repo.name && p.state === "open" && p.head === headRef,
      );
      if (open) return custom(`A pull request already exists for ${repo.owner}:${headRef}.`);

      const at = now();
      const pull: StandInPull = {
        id: nextId(ctx.state),
        owner: repo.owner,
        repo: repo.name,
        number: repo.nextNumber++,
        title,
        body: body.data.body ?? null,
        user: ctx.app.botLogin,
        head: headRef,
        base: baseRef,
        draft: draft ?? false,
        state: "open",
        createdAt: at,
        updatedAt: at,
        history: [],
      };
      ctx.state.pulls.push(pull);
      ctx.events.emit("pull_created", pull, at);
      return githubJson(await render(repo, pull), 201);
    }),

    // Filters: state (default open), head "owner:branch", base.
    http.get<RepoParams>(base, async ({ request, params }) => {
      const auth = requireInstallationToken(request, ctx, params.owner, params.repo, READ);
      if (!auth.ok) return auth.response;
      const { repo } = auth;
      const query = new URL(request.url).searchParams;
      const state = query.get("state") ?? "open";
      const head = query.get("head");
      const baseRef = query.get("base");
      const matches = ctx.state.pulls
        .filter((p) => p.owner === repo.owner && p.repo === repo.name)
        .filter((p) => state === "all" || p.state === state)
        .filter((p) => !head || `${p.owner}:${p.head}`.toLowerCase() === head.toLowerCase())
        .filter((p) => !baseRef || p.base === baseRef)
        .sort((a, b) => b.number - a.number);
      const { page, headers } = paginate(request, matches);
      return githubJson(await Promise.all(page.map((p) => render(repo, p))), 200, headers);
    }),

    http.get<RepoParams & { pull_number: string }>(`${base}/:pull_number`, async ({ request, params }) => {
      const auth = requireInstallationToken(request, ctx, params.owner, params.repo, READ);
      if (!auth.ok) return auth.response;
      const pull = findPull(auth.repo, params.pull_number);
      return pull ? githubJson(await render(auth.repo, pull)) : githubError(404, "Not Found");
    }),

    http.patch<RepoParams & { pull_number: string }>(`${base}/:pull_number`, async ({ request, params }) => {
      const auth = requireInstallationToken(request, ctx, params.owner, params.repo, WRITE);
      if (!auth.ok) return auth.response;
      const pull = findPull(auth.repo, params.pull_number);
      if (!pull) return githubError(404, "Not Found");
      const body = await readJsonBody(request, UpdatePull);
      if (!body.ok) return body.response;
      if (body.data.base && !(await resolveBranch(auth.repo.gitDir, body.data.base))) {
        return githubError(422, "Validation Failed", {
          errors: [{ resource: "PullRequest", field: "base", code: "invalid" }],
        });
      }
      const at = now();
      if (body.data.title !== undefined) pull.title = body.data.title;
      if (body.data.body !== undefined) pull.body = body.data.body;
      if (body.data.state !== undefined) pull.state = body.data.state;
      if (body.data.base !== undefined) pull.base = body.data.base;
      pull.updatedAt = at;
      pull.history.push({ title: pull.title, body: pull.body, state: pull.state, at });
      ctx.events.emit("pull_updated", pull, at);
      return githubJson(await render(auth.repo, pull));
    }),
  ];
}
