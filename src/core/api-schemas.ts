/**
 * Bodies and queries of the REST API (worker/api.ts), used by the `understudy` CLI and tests. zod is
 * the one source of their types; a request that does not match is answered 400 saying what is wrong.
 */
import * as z from "zod";

export const PromptBody = z.object({
  text: z.string().trim().min(1, "text must not be empty").max(20_000),
  /** Who asks, as shown in the status comment and the transcript. */
  author: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,39}$/, "author must be a GitHub-style login")
    .default("api"),
});
export type PromptBody = z.infer<typeof PromptBody>;

export const StopBody = z.object({
  by: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,39}$/, "by must be a GitHub-style login")
    .default("api"),
});
export type StopBody = z.infer<typeof StopBody>;

export const EventsQuery = z.object({
  /** Page backwards from this event id (exclusive); omitted: the newest events. */
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export type EventsQuery = z.infer<typeof EventsQuery>;

/** One line per problem, naming the field: what a 400 answer says. */
export const describeZodError = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
