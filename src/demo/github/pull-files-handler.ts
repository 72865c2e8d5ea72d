import { http, type RequestHandler } from "msw";
import { githubError } from "./github-error.js";
import { githubJson } from "./github-json.js";
import { paginate } from "./paginate.js";
import { parseNumber } from "./parse-number.js";
import { requireInstallationToken } from "./require-installation-token.js";
import { resolveBranch } from "./resolve-branch.js";
import { runGit } from "./run-git.js";
import type { StandInContext } from "./stand-in-context.js";

const STATUS: Record<string, string> = { A: "added", M: "modified", D: "removed", T: "changed" };

/**
 * GET /repos/{o}/{r}/pulls/{n}/files: the files a pull request changes, from the bare repository
 * (`git diff base...head`). https://docs.github.com/rest/pulls/pulls#list-pull-requests-files
 */
export function pullFilesHandler(ctx: StandInContext): RequestHandler {
  return http.get<{ owner: string; repo: string; pull_number: string }>(
    `${ctx.apiUrl}/repos/:owner/:repo/pulls/:pull_number/files`,
    async ({ request, params }) => {
      const auth = requireInstallationToken(request, ctx, params.owner, params.repo, [
        ["pull_requests", "read"],
      ]);
      if (!auth.ok) return auth.response;
      const { repo } = auth;
      const n = parseNumber(params.pull_number);
      const pull = ctx.state.pulls.find(
        (p) => p.owner === repo.owner && p.repo === repo.name && p.number === n,
      );
      if (!pull) return githubError(404, "Not Found");
      const head = await resolveBranch(repo.gitDir, pull.head);
      const baseSha = await resolveBranch(repo.gitDir, pull.base);
      if (!head || !baseSha) return githubJson([]);
      const range = `${baseSha}...${head}`;
      const names = await runGit(repo.gitDir, ["diff", "--no-renames", "--name-status", range]);
      const counts = await runGit(repo.gitDir, ["diff", "--no-renames", "--numstat", range]);
      const stats = new Map(
        counts
          .split("\n")
          .filter(Boolean)
          .map((line) => {
            const [add = "0", del = "0", ...path] = line.split("\t");
            return [path.join("\t"), { additions: Number(add) || 0, deletions: Number(del) || 0 }] as const;
          }),
      );
      const files = names
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const [code = "M", ...path] = line.split("\t");
          const filename = path.join("\t");
          const s = stats.get(filename) ?? { additions: 0, deletions: 0 };
          const blob = `${ctx.url}/${repo.owner}/${repo.name}/blob/${head}/${filename}`;
          return {
            sha: head,
            filename,
            status: STATUS[code[0] ?? "M"] ?? "modified",
            additions: s.additions,
            deletions: s.deletions,
            changes: s.additions + s.deletions,
            blob_url: blob,
            raw_url: `${ctx.url}/${repo.owner}/${repo.name}/raw/${head}/${filename}`,
            contents_url: `${ctx.apiUrl}/repos/${repo.owner}/${repo.name}/contents/${filename}?ref=${head}`,
          };
        });
      const { page, headers } = paginate(request, files);
      return githubJson(page, 200, headers);
    },
  );
}
