import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { findRepo } from "./find-repo.js";
import { findValidToken } from "./find-valid-token.js";
import { gitEnv } from "./git-env.js";
import { hasPermission } from "./has-permission.js";
import { listRefs } from "./list-refs.js";
import { now } from "./now.js";
import { parseBasicAuth } from "./parse-basic-auth.js";
import { splitCgiHeaders } from "./split-cgi-headers.js";
import type { StandInContext } from "./stand-in-context.js";
import type { StandInPush } from "./stand-in-state.js";
import { tokenCoversRepo } from "./token-covers-repo.js";

/** Matches the smart-HTTP paths under `/<owner>/<repo>.git/`. */
export const GIT_PATH = /^\/([^/]+)\/([^/]+)\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;

const MAX_CGI_HEADER_BYTES = 64 * 1024;

/**
 * Serves one smart-HTTP request with the real `git http-backend` (CGI). Authentication is GitHub's
 * for installation tokens: HTTP Basic with the token as the password (username conventionally
 * `x-access-token`); contents:read to fetch, contents:write to push. Resolves to the HTTP status.
 */
export async function serveGitHttp(
  ctx: StandInContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<number> {
  const [, owner = "", name = "", endpoint = ""] = url.pathname.match(GIT_PATH) ?? [];
  const service = endpoint === "info/refs" ? url.searchParams.get("service") : endpoint;
  const pushing = service === "git-receive-pack";

  const basic = parseBasicAuth(req.headers.authorization);
  const token = basic ? findValidToken(ctx, basic.password) : undefined;
  if (!token) {
    return plain(res, 401, "Invalid username or token. Password authentication is not supported.", {
      "www-authenticate": 'Basic realm="GitHub"',
    });
  }
  const repo = findRepo(ctx.state, owner, name);
  if (!repo) return plain(res, 404, "Repository not found.");
  if (
    !tokenCoversRepo(token, repo) ||
    !hasPermission(token.permissions, "contents", pushing ? "write" : "read")
  ) {
    return plain(res, 403, `Permission to ${repo.owner}/${repo.name}.git denied to ${ctx.app.botLogin}.`);
  }

  const before = pushing && req.method === "POST" ? await listRefs(repo.gitDir) : null;
  const env = gitEnv({
    GIT_PROJECT_ROOT: ctx.reposRoot,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: `/${repo.owner}/${repo.name}.git/${endpoint}`,
    REQUEST_METHOD: req.method ?? "GET",
    QUERY_STRING: url.search.replace(/^\?/, ""),
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    REMOTE_USER: basic?.username || "x-access-token",
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_PROTOCOL: "HTTP/1.1",
    // Unset CONTENT_LENGTH makes http-backend read to EOF, which chunked requests need.
    ...(req.headers["content-length"] ? { CONTENT_LENGTH: req.headers["content-length"] } : {}),
    // git sends large packs gzipped; http-backend inflates when told the encoding.
    ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] } : {}),
    ...(typeof req.headers["git-protocol"] === "string"
      ? { HTTP_GIT_PROTOCOL: req.headers["git-protocol"] }
      : {}),
  });

  const child = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.on("error", () => {});
  req.pipe(child.stdin);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    if (stderr.length < 8192) stderr += chunk.toString("utf8");
  });

  let status = 0;
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const parsed = splitCgiHeaders(buffered);
    if (!parsed) {
      if (buffered.length > MAX_CGI_HEADER_BYTES) child.kill();
      return;
    }
    child.stdout.off("data", onData);
    status = parsed.status;
    res.writeHead(parsed.status, parsed.headers);
    res.write(parsed.rest);
    child.stdout.pipe(res, { end: false });
  };
  child.stdout.on("data", onData);

  const exitCode = await new Promise<number | null>((resolve) => {
    child.on("error", () => resolve(null));
    child.on("close", (code) => resolve(code));
  });
  if (status === 0) {
    return plain(res, 502, `git http-backend failed (${exitCode}): ${stderr.trim()}`);
  }

  if (before) {
    const after = await listRefs(repo.gitDir);
    const refs = [...new Set([...before.keys(), ...after.keys()])]
      .map((ref) => ({ ref, before: before.get(ref) ?? null, after: after.get(ref) ?? null }))
      .filter((r) => r.before !== r.after);
    if (refs.length > 0) {
      const at = now();
      const push: StandInPush = {
        owner: repo.owner,
        repo: repo.name,
        installationId: token.installationId,
        refs,
        at,
      };
      ctx.state.pushes.push(push);
      // Announced before the response ends, so a listener sees the push before the pusher can act on it.
      ctx.events.emit("push", push, at);
    }
  }
  res.end();
  return status;
}

function plain(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): number {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
  res.end(`${message}\n`);
  return status;
}
