import type { HttpResponse } from "msw";
import type * as z from "zod";
import { githubError } from "./github-error.js";

/**
 * Parses and validates a request body: 400 "Problems parsing JSON" for malformed JSON and 422
 * "Validation Failed" for a body the schema rejects, as GitHub answers.
 */
export async function readJsonBody<T extends z.ZodType>(
  request: Request,
  schema: T,
): Promise<{ ok: true; data: z.infer<T> } | { ok: false; response: HttpResponse<string> }> {
  const text = await request.text();
  let raw: unknown;
  try {
    raw = text === "" ? {} : JSON.parse(text);
  } catch {
    return { ok: false, response: githubError(400, "Problems parsing JSON") };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, data: parsed.data };
  return {
    ok: false,
    response: githubError(422, "Invalid request.", {
      errors: parsed.error.issues.map((issue) => ({
        resource: "Request",
        code: "invalid",
        field: issue.path.join("."),
        message: issue.message,
      })),
    }),
  };
}
