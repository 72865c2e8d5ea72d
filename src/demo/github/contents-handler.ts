import { createHash } from "node:crypto";
import { http, type RequestHandler } from "msw";
import { githubError } from "./github-error.js";
import { githubJson } from "./github-json.js";
import { readBlob } from "./read-blob.js";
import { requireInstallationToken } from "./require-installation-token.js";
import { runGit } from "./run-git.js";
import type { StandInContext } from "./stand-in-context.js";

/**
 * GET /repos/{o}/{r}/contents/{path}: files only, from the bare repository. Probot's
 * `context.config()` reads `.github/<name>.yml` through it with `Accept: application/vnd.github.v3.raw`
 * and treats a 404 as "no config". Octokit encodes the slashes in `path` (%2F), so the path is taken
 * from the raw URL rather than a route parameter.
 */
export function contentsHandler(ctx: StandInContext): RequestHandler {
  return http.get<{ owner: string; repo: string }>(
    `${ctx.apiUrl}/repos/:owner/:repo/contents/*`,
    async ({ request, params }) => {
      const auth = requireInstallationToken(request, ctx, params.owner, params.repo, [["contents", "read"]]);
      if (!auth.ok) return auth.response;
      const { repo } = auth;
      const url = new URL(request.url);
      const marker = "/contents/";
      const path = decodeURIComponent(url.pathname.slice(url.pathname.indexOf(marker) + marker.length));
      const ref = url.searchParams.get("ref") ?? repo.defaultBranch;
      const commit = await runGit(repo.gitDir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).catch(
        () => "",
      );
      if (!commit.trim()) return githubError(404, `No commit found for the ref ${ref}`);
      const blob = await readBlob(repo.gitDir, commit.trim(), path);
      if (!blob) return githubError(404, "Not Found");

      if (/\.raw\b/.test(request.headers.get("accept") ?? "")) {
        return new Response(new Uint8Array(blob), {
          status: 200,
          headers: { "content-type": "application/vnd.github.raw; charset=utf-8" },
        });
      }
      const sha = createHash("sha1").update(`blob ${blob.length}\0`).update(blob).digest("hex");
      const self = `${ctx.apiUrl}/repos/${repo.owner}/${repo.name}/contents/${path}?ref=${encodeURIComponent(ref)}`;
      const html = `${ctx.url}/${repo.owner}/${repo.name}/blob/${ref}/${path}`;
      const gitUrl = `${ctx.apiUrl}/repos/${repo.owner}/${repo.name}/git/blobs/${sha}`;
      return githubJson({
        type: "file",
        encoding: "base64",
        size: blob.length,
        name: path.split("/").pop(),
        path,
        // GitHub wraps base64 content at 60 characters.
        content: `${(blob.toString("base64").match(/.{1,60}/g) ?? []).join("\n")}\n`,
        sha,
        url: self,
        git_url: gitUrl,
        html_url: html,
        download_url: `${ctx.url}/${repo.owner}/${repo.name}/raw/${ref}/${path}`,
        _links: { self, git: gitUrl, html },
      });
    },
  );
}
