/**
 * Serves a test's bare repository over smart HTTP with the real `git http-backend`, and demands
 * GitHub's authentication for installation tokens on every request: HTTP Basic, user
 * `x-access-token`, the token as the password. So a bridge test can prove that clone and push really
 * carried the token, where the file:// remote would accept anything. Binds 127.0.0.1 only.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { basename, dirname } from "node:path";
import type { GitRemote } from "./git-remote.js";

export type ServedGitRemote = {
  /** http://127.0.0.1:<port>/<name>.git */
  url: string;
  /**
   * Every request's verdict, in order: the password it carried, whether it was accepted, and the
   * bytes of the response body sent so far (how much a clone or fetch really transferred).
   */
  requests: Array<{ path: string; password: string | null; accepted: boolean; bytes: number }>;
  close(): Promise<void>;
};

export type ServeGitRemoteOptions = {
  /** Whether a Basic password (the token) may read and write the repository. */
  accepts(password: string): boolean;
  /** Runs while an accepted request waits, before git sees an answer (e.g. to inspect processes). */
  onAccepted?(): void | Promise<void>;
};

export async function serveGitRemote(
  remote: GitRemote,
  opts: ServeGitRemoteOptions,
): Promise<ServedGitRemote> {
  const requests: ServedGitRemote["requests"] = [];
  const name = basename(remote.dir);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const basic = /^basic\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const [user, ...rest] = basic ? Buffer.from(basic, "base64").toString("utf8").split(":") : [];
    const password = basic ? rest.join(":") : null;
    const accepted = user === "x-access-token" && password !== null && opts.accepts(password);
    const request = { path: url.pathname, password, accepted, bytes: 0 };
    requests.push(request);
    if (!accepted) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="GitHub"' }).end("Invalid username or token.\n");
      return;
    }
    void (async () => {
      await opts.onAccepted?.();
      const child = spawn("git", ["http-backend"], {
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          GIT_CONFIG_NOSYSTEM: "1",
          GIT_CONFIG_GLOBAL: "/dev/null",
          GIT_PROJECT_ROOT: dirname(remote.dir),
          GIT_HTTP_EXPORT_ALL: "1",
          PATH_INFO: url.pathname,
          QUERY_STRING: url.search.slice(1),
          REQUEST_METHOD: req.method ?? "GET",
          CONTENT_TYPE: req.headers["content-type"] ?? "",
          // Set, it lets http-backend accept a push (receive-pack is off for anonymous users).
          REMOTE_USER: "x-access-token",
          REMOTE_ADDR: "127.0.0.1",
          ...(req.headers["content-encoding"]
            ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] }
            : {}),
          ...(typeof req.headers["git-protocol"] === "string"
            ? { HTTP_GIT_PROTOCOL: req.headers["git-protocol"] }
            : {}),
        },
        stdio: ["pipe", "pipe", "ignore"],
      });
      child.stdin.on("error", () => {});
      req.pipe(child.stdin);
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        child.stdout.off("data", onData);
        const headers: Record<string, string> = {};
        let status = 200;
        for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
          const colon = line.indexOf(":");
          const key = line.slice(0, colon).trim();
          const value = line.slice(colon + 1).trim();
          if (key.toLowerCase() === "status") status = Number.parseInt(value, 10);
          else if (colon > 0) headers[key] = value;
        }
        res.writeHead(status, headers);
        res.write(head.subarray(end + 4));
        request.bytes += head.length - end - 4;
        child.stdout.on("data", (chunk: Buffer) => {
          request.bytes += chunk.length;
        });
        child.stdout.pipe(res);
      };
      child.stdout.on("data", onData);
      child.on("close", () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${name}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
