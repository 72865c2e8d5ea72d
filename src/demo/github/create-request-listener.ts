import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { getResponse, type RequestHandler } from "msw";
import { checkOpenApiConformance } from "./check-openapi-conformance.js";
import { githubError } from "./github-error.js";
import type { LogEntry } from "./github-stand-in.js";
import { takeFault } from "./injected-fault.js";
import { now } from "./now.js";
import type { OpenApiIndex } from "./openapi-index.js";
import { readRequestBody } from "./read-request-body.js";
import { GIT_PATH, serveGitHttp } from "./serve-git-http.js";
import type { StandInContext } from "./stand-in-context.js";

/** Headers that describe one hop of the Node connection, not the request a handler sees. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
]);

/**
 * The HTTP front door: git smart-HTTP paths go to git http-backend, `/api/v3/...` goes through the
 * msw handlers, and anything no handler answers is a 404 recorded in `unhandled` (as is a handler
 * that throws, answered 500). Every `/api/v3/...` request is also checked against GitHub's OpenAPI
 * description and, when GitHub does not document it, recorded in `undocumented`; it is still
 * answered as usual, so one stray field does not cascade into unrelated failures. Git over HTTP and
 * anything outside `/api/v3` (where stand-in-only endpoints belong) are not REST and not checked.
 */
export function createRequestListener(
  ctx: StandInContext,
  handlers: RequestHandler[],
  record: { log: LogEntry[]; unhandled: string[]; undocumented: string[] },
  openApi: OpenApiIndex,
): RequestListener {
  let requestCount = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse, entry: LogEntry): Promise<number> => {
    const url = new URL(req.url ?? "/", ctx.url);
    if (GIT_PATH.test(url.pathname)) return serveGitHttp(ctx, req, res, url);

    const raw = await readRequestBody(req);
    const method = req.method ?? "GET";
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (HOP_BY_HOP.has(name) || value === undefined) continue;
      headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const text = raw.length > 0 ? raw.toString("utf8") : undefined;
    let json: { value: unknown } | undefined;
    if (text !== undefined && /json/i.test(headers.get("content-type") ?? "json")) {
      try {
        json = { value: JSON.parse(text) };
        entry.body = json.value;
      } catch {
        entry.body = text;
      }
    }
    const request = new Request(url, {
      method,
      headers,
      ...(raw.length > 0 && method !== "GET" && method !== "HEAD" ? { body: new Uint8Array(raw) } : {}),
    });
    const isApi = url.pathname === "/api/v3" || url.pathname.startsWith("/api/v3/");
    if (isApi) {
      const contentType = headers.get("content-type");
      const problems = checkOpenApiConformance(openApi, {
        method,
        path: url.pathname.slice("/api/v3".length) || "/",
        query: url.searchParams,
        ...(json ? { body: json.value } : text !== undefined ? { bodyText: text } : {}),
        ...(contentType ? { contentType } : {}),
      });
      if (problems.length > 0) {
        record.undocumented.push(`${method} ${url.pathname}${url.search}: ${problems.join("; ")}`);
      }
    }
    const fault = isApi ? takeFault(ctx.faults, method, url.pathname.slice("/api/v3".length)) : undefined;
    let response = fault
      ? githubError(fault.status, fault.message ?? "injected failure", { headers: fault.headers ?? {} })
      : isApi
        ? await getResponse(handlers, request)
        : undefined;
    if (!response) {
      record.unhandled.push(`${method} ${url.pathname}${url.search}`);
      response = githubError(404, "Not Found");
    }
    requestCount += 1;
    const out: Record<string, string> = Object.fromEntries(response.headers);
    if (isApi) {
      // Realistic rate-limit headers: Octokit's throttling plugin reads them.
      Object.assign(out, {
        "x-github-api-version-selected": "2022-11-28",
        "x-github-request-id": `STANDIN:${requestCount}`,
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": String(Math.max(0, 5000 - requestCount)),
        "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
        "x-ratelimit-used": String(requestCount),
        "x-ratelimit-resource": "core",
      });
    }
    const body = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, out);
    res.end(method === "HEAD" ? undefined : body);
    return response.status;
  };

  return (req, res) => {
    const url = new URL(req.url ?? "/", ctx.url);
    const entry: LogEntry = { method: req.method ?? "GET", path: url.pathname, status: 0, at: now() };
    if (url.search) entry.query = url.search;
    handle(req, res, entry)
      .catch((error: unknown) => {
        // A stand-in crash is as much a test failure as an unexpected request: surface it the same way.
        record.unhandled.push(`${entry.method} ${entry.path} (stand-in error: ${String(error)})`);
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        }
        res.end(`stand-in error: ${error instanceof Error ? error.stack : String(error)}\n`);
        return 500;
      })
      .then((status) => {
        entry.status = status;
        record.log.push(entry);
      });
  };
}
