/**
 * An event as the session stores it: the wire event plus where it sits in the session's log. `id`
 * grows with every stored event and is the cursor subscribers page by; `run` says which run of the
 * session produced it. Runs are told apart by this number, never by comparing clocks.
 */
import * as z from "zod";
import { Event } from "./wire.js";

export const SessionEvent = z.object({
  id: z.number().int().positive(),
  run: z.number().int().nonnegative(),
  event: Event,
});
export type SessionEvent = z.infer<typeof SessionEvent>;

/** A request made to the session: the comment (or API call) that asked for a run. */
export const SessionMessage = z.object({
  id: z.number().int().positive(),
  author: z.string(),
  text: z.string(),
  /** Where it was asked (the triggering comment's URL), when it came from GitHub. */
  sourceUrl: z.string().nullable(),
  state: z.enum(["queued", "running", "done", "cancelled"]),
  /** The run that carried it out, once it started. */
  run: z.number().int().positive().nullable(),
  at: z.string(),
});
export type SessionMessage = z.infer<typeof SessionMessage>;
