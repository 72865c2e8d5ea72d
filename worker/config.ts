/**
 * The Worker's configuration, parsed once from its bindings. A missing or malformed value becomes an
 * error that says what to set, instead of a failure deep inside a request.
 */
import { z } from "zod";
import { FIRST_PAGE_EVENTS } from "../src/web/render-transcript-page.js";

/** Heartbeats a sandbox may miss (network hiccups, a busy machine) before it is declared lost. */
const HEARTBEATS_PER_SILENCE = 3;

const Config = z
  .object({
    APP_ID: z.string().regex(/^\d+$/, "APP_ID must be the numeric ID of your GitHub App"),
    PRIVATE_KEY: z
      .string()
      .transform((k) => k.replace(/\\n/g, "\n").trim())
      .refine((k) => k.includes("BEGIN PRIVATE KEY"), {
        message:
          "PRIVATE_KEY must be PKCS#8 (-----BEGIN PRIVATE KEY-----); workerd cannot use PKCS#1. Convert it with: openssl pkcs8 -topk8 -nocrypt -in app.pem",
      }),
    WEBHOOK_SECRET: z.string().min(1, "WEBHOOK_SECRET is required"),
    APP_SLUG: z.string().min(1).default("understudy"),
    GITHUB_API_URL: z.string().url().default("https://api.github.com"),
    GITHUB_URL: z.string().url().default("https://github.com"),
    /** Where browsers and sandboxes reach this Worker; defaults to the origin of the webhook request. */
    PUBLIC_URL: z.string().url().optional(),
    /** Key for transcript capability links; derived from WEBHOOK_SECRET when unset. */
    LINK_SECRET: z.string().min(16).optional(),
    SANDBOX_PROVIDER: z.enum(["local"]).default("local"),
    SANDBOX_HOST_URL: z.string().url().default("http://127.0.0.1:8788"),
    SANDBOX_HOST_SECRET: z.string().min(16, "SANDBOX_HOST_SECRET must be at least 16 characters"),
    BRANCH_PREFIX: z.string().min(1).default("understudy"),
    /** GitHub asks integrators not to edit one comment in a tight loop; one edit per interval at most. */
    COMMENT_INTERVAL_MS: z.coerce.number().int().min(0).default(3000),
    /** Events in the transcript page's first response; older ones load on demand over the socket. */
    TRANSCRIPT_PAGE_EVENTS: z.coerce.number().int().min(1).max(1000).default(FIRST_PAGE_EVENTS),
    /** How often a bridge with nothing else to say sends a heartbeat; handed to it in the spec. */
    SANDBOX_HEARTBEAT_MS: z.coerce.number().int().positive().default(15_000),
    /** A sandbox that sends nothing (not even a heartbeat) for this long is considered gone. */
    SANDBOX_SILENCE_MS: z.coerce.number().int().positive().default(120_000),
    /** A spawned sandbox that has not connected back within this long is considered never started. */
    SANDBOX_CONNECT_MS: z.coerce.number().int().positive().default(60_000),
    /** After a stop, how long the sandbox has to commit and push what the agent changed. */
    STOP_GRACE_MS: z.coerce.number().int().positive().default(60_000),
    /** Bearer token of the REST API (/api/sessions/…); the API is off while it is unset. */
    ADMIN_TOKEN: z.string().min(16, "ADMIN_TOKEN must be at least 16 characters").optional(),
    TIME_LIMIT_MS: z.coerce
      .number()
      .int()
      .positive()
      .default(30 * 60_000),
  })
  // A silence timeout within a few heartbeats would fail healthy runs whose agent is quietly thinking.
  .refine((c) => c.SANDBOX_SILENCE_MS >= HEARTBEATS_PER_SILENCE * c.SANDBOX_HEARTBEAT_MS, {
    path: ["SANDBOX_SILENCE_MS"],
    message: `must be at least ${HEARTBEATS_PER_SILENCE} × SANDBOX_HEARTBEAT_MS, or healthy runs that are quiet between heartbeats would be failed as lost`,
  });
export type Config = z.infer<typeof Config>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function parseConfig(env: Record<string, unknown>): Config {
  const result = Config.safeParse(env);
  if (!result.success) {
    throw new ConfigError(`Understudy is misconfigured:\n${describeIssues(result.error).join("\n")}`);
  }
  return result.data;
}

/** Every setting that cannot work, one line each naming the setting: empty when the config is good. */
export function configProblems(env: Record<string, unknown>): string[] {
  const result = Config.safeParse(env);
  return result.success ? [] : describeIssues(result.error);
}

const describeIssues = (error: z.ZodError): string[] =>
  error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`);

export const linkSecret = (c: Config): string => c.LINK_SECRET ?? `transcript-links:${c.WEBHOOK_SECRET}`;
