/**
 * The Worker's configuration, parsed once from its bindings. A missing or malformed value becomes an
 * error that says what to set, instead of a failure deep inside a request.
 */
import * as z from "zod";
import { FIRST_PAGE_EVENTS } from "../src/web/render-transcript-page.js";

/** Heartbeats a sandbox may miss (network hiccups, a busy machine) before it is declared lost. */
const HEARTBEATS_PER_SILENCE = 3;

export const SANDBOX_PROVIDERS = ["local", "remote", "cloudflare"] as const;
export type SandboxProviderName = (typeof SANDBOX_PROVIDERS)[number];

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
    /**
     * Where sandboxes run: `local`, the sandbox host on this machine's loopback; `remote`, the same
     * host on another machine behind HTTPS (docs/remote-sandbox-host.md); `cloudflare`, a container
     * per run through the Sandbox SDK's `SANDBOX` binding (worker/with-containers.ts).
     */
    SANDBOX_PROVIDER: z
      .enum(SANDBOX_PROVIDERS, {
        error: (i) =>
          `SANDBOX_PROVIDER must be one of ${SANDBOX_PROVIDERS.join(", ")}, not ${JSON.stringify(i.input)}`,
      })
      .default("local"),
    SANDBOX_HOST_URL: z.string().url().default("http://127.0.0.1:8788"),
    SANDBOX_HOST_SECRET: z.string().min(16, "SANDBOX_HOST_SECRET must be at least 16 characters").optional(),
    /**
     * With `cloudflare`, the Worker holds the model keys (secrets) and hands a run its agent's own:
     * the containers have no other way to get one. The sandbox host reads its own environment instead.
     */
    // Plain strings: with the sandbox host they are its business (the same .dev.vars feeds both), so
    // they are checked below only for `cloudflare`.
    ANTHROPIC_API_KEY: z.string().optional(),
    ANTHROPIC_BASE_URL: z.string().optional(),
    OPENAI_API_KEY: z.string().optional(),
    OPENAI_BASE_URL: z.string().optional(),
    /** How the bridge in a container isolates the agent: bubblewrap, or `none` where it cannot run. */
    SANDBOX_ISOLATION: z
      .enum(["bubblewrap", "none"], {
        error: (i) => `SANDBOX_ISOLATION must be bubblewrap or none, not ${JSON.stringify(i.input)}`,
      })
      .default("bubblewrap"),
    BRANCH_PREFIX: z.string().min(1).default("understudy"),
    /** GitHub asks integrators not to edit one comment in a tight loop; one edit per interval at most. */
    COMMENT_INTERVAL_MS: z.coerce.number().int().min(0).default(3000),
    /** Events in the transcript page's first response; older ones load on demand over the socket. */
    TRANSCRIPT_PAGE_EVENTS: z.coerce.number().int().min(1).max(1000).default(FIRST_PAGE_EVENTS),
    /** How often a bridge with nothing else to say sends a heartbeat; handed to it in the spec. */
    SANDBOX_HEARTBEAT_MS: z.coerce.number().int().positive().default(15_000),
    /** A sandbox that sends nothing (not even a heartbeat) for this long is considered gone. */
    SANDBOX_SILENCE_MS: z.coerce.number().int().positive().default(120_000),
    /**
     * A spawned sandbox that has not connected back within this long is considered never started.
     * Default 60 s, 180 s with `cloudflare` (the Sandbox SDK gives a cold container 120 s to start).
     */
    SANDBOX_CONNECT_MS: z.coerce.number().int().positive().optional(),
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
  .superRefine(providerProblems)
  // A silence timeout within a few heartbeats would fail healthy runs whose agent is quietly thinking.
  .refine((c) => c.SANDBOX_SILENCE_MS >= HEARTBEATS_PER_SILENCE * c.SANDBOX_HEARTBEAT_MS, {
    path: ["SANDBOX_SILENCE_MS"],
    message: `must be at least ${HEARTBEATS_PER_SILENCE} × SANDBOX_HEARTBEAT_MS, or healthy runs that are quiet between heartbeats would be failed as lost`,
  })
  .transform((c) => ({
    ...c,
    SANDBOX_CONNECT_MS: c.SANDBOX_CONNECT_MS ?? (c.SANDBOX_PROVIDER === "cloudflare" ? 180_000 : 60_000),
  }));
export type Config = z.infer<typeof Config>;

/**
 * What the provider named needs: the sandbox host's secret and where it may be (`local` on loopback,
 * `remote` over https), or for `cloudflare` a model key to hand the containers.
 */
function providerProblems(
  c: {
    SANDBOX_PROVIDER: SandboxProviderName;
    SANDBOX_HOST_URL: string;
    SANDBOX_HOST_SECRET?: string | undefined;
    ANTHROPIC_API_KEY?: string | undefined;
    ANTHROPIC_BASE_URL?: string | undefined;
    OPENAI_API_KEY?: string | undefined;
    OPENAI_BASE_URL?: string | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (c.SANDBOX_PROVIDER === "cloudflare") {
    for (const name of ["ANTHROPIC_BASE_URL", "OPENAI_BASE_URL"] as const) {
      const value = c[name];
      if (value && !isUrl(value))
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `${name} must be a URL, not ${JSON.stringify(value)}`,
        });
    }
    if (!c.ANTHROPIC_API_KEY && !c.OPENAI_API_KEY)
      ctx.addIssue({
        code: "custom",
        path: ["ANTHROPIC_API_KEY"],
        message:
          "SANDBOX_PROVIDER=cloudflare needs the model key as a Worker secret (ANTHROPIC_API_KEY for Claude Code, OPENAI_API_KEY for Codex): the containers get it from the Worker",
      });
    return;
  }
  if (!c.SANDBOX_HOST_SECRET)
    ctx.addIssue({
      code: "custom",
      path: ["SANDBOX_HOST_SECRET"],
      message: `SANDBOX_HOST_SECRET is required with SANDBOX_PROVIDER=${c.SANDBOX_PROVIDER} (the secret the sandbox host shares)`,
    });
  const url = new URL(c.SANDBOX_HOST_URL);
  const loopback = isLoopback(url.hostname);
  const message =
    c.SANDBOX_PROVIDER === "local" && !loopback
      ? `${url.host} is not this machine: a sandbox host elsewhere is SANDBOX_PROVIDER=remote, over https`
      : c.SANDBOX_PROVIDER === "remote" && url.protocol !== "https:" && !loopback
        ? "must be https:// with SANDBOX_PROVIDER=remote: the host's secret and every spec sent to it would cross the network in the clear"
        : undefined;
  if (message) ctx.addIssue({ code: "custom", path: ["SANDBOX_HOST_URL"], message });
}

function isUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

const isLoopback = (hostname: string) =>
  hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function parseConfig(env: Record<string, unknown>): Config {
  const result = Config.safeParse(env);
  const problems = result.success ? bindingProblems(env, result.data) : describeIssues(result.error);
  if (!result.success || problems.length > 0) {
    throw new ConfigError(`Understudy is misconfigured:\n${problems.join("\n")}`);
  }
  return result.data;
}

/** Every setting that cannot work, one line each naming the setting: empty when the config is good. */
export function configProblems(env: Record<string, unknown>): string[] {
  const result = Config.safeParse(env);
  return result.success ? bindingProblems(env, result.data) : describeIssues(result.error);
}

/** Bindings the settings need: the Sandbox SDK's object for `cloudflare`. */
function bindingProblems(env: Record<string, unknown>, c: Config): string[] {
  if (c.SANDBOX_PROVIDER !== "cloudflare" || env.SANDBOX) return [];
  return [
    "SANDBOX: SANDBOX_PROVIDER=cloudflare needs the SANDBOX Durable Object binding of the Sandbox SDK: uncomment the containers section of wrangler.toml (main, [[containers]], the binding and its migration)",
  ];
}

const describeIssues = (error: z.ZodError): string[] =>
  error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`);

export const linkSecret = (c: Config): string => c.LINK_SECRET ?? `transcript-links:${c.WEBHOOK_SECRET}`;
