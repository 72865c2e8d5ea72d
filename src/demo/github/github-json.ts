import { HttpResponse } from "msw";

/** A JSON answer with the exact Content-Type GitHub sends (Octokit keys off it). */
export function githubJson(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): HttpResponse<string> {
  return new HttpResponse(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}
