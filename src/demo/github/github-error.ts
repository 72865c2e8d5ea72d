import type { HttpResponse } from "msw";
import { githubJson } from "./github-json.js";

export type ValidationError = { resource: string; code: string; field?: string; message?: string };

/** GitHub's error body: `{ message, documentation_url, status }`, plus `errors` on a 422. */
export function githubError(
  status: number,
  message: string,
  opts: { errors?: ValidationError[]; headers?: Record<string, string> } = {},
): HttpResponse<string> {
  return githubJson(
    {
      message,
      ...(opts.errors ? { errors: opts.errors } : {}),
      documentation_url: "https://docs.github.com/rest",
      status: String(status),
    },
    status,
    opts.headers,
  );
}
