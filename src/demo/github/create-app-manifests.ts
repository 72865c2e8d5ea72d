import { randomBytes } from "node:crypto";
import * as z from "zod";
import { nextId } from "./next-id.js";
import { now } from "./now.js";
import type { StandInContext } from "./stand-in-context.js";

const Access = z.enum(["read", "write", "admin"]);

/**
 * What GitHub's "New GitHub App" form accepts as `manifest`:
 * https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest#github-app-manifest-parameters
 * Strict, so a misspelt parameter fails the test instead of being silently dropped.
 */
export const StandInManifest = z
  .object({
    name: z.string().min(1).max(34, "Name is too long (maximum is 34 characters)"),
    url: z.url(),
    hook_attributes: z.object({ url: z.url(), active: z.boolean().optional() }).strict().optional(),
    redirect_url: z.url().optional(),
    callback_urls: z.array(z.url()).max(10).optional(),
    setup_url: z.url().optional(),
    description: z.string().optional(),
    public: z.boolean().optional(),
    default_events: z.array(z.string()).optional(),
    default_permissions: z.record(z.string(), Access).optional(),
    request_oauth_on_install: z.boolean().optional(),
    setup_on_update: z.boolean().optional(),
  })
  .strict();
export type StandInManifest = z.infer<typeof StandInManifest>;

/** Events GitHub offers only with one of these permissions (the form refuses the others). */
const EVENT_PERMISSIONS: Record<string, string[]> = {
  issue_comment: ["issues", "pull_requests"],
  issues: ["issues"],
  pull_request: ["pull_requests"],
  pull_request_review: ["pull_requests"],
  pull_request_review_comment: ["pull_requests"],
  push: ["contents"],
  create: ["contents"],
  delete: ["contents"],
};

/** A code is good for one hour: https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest#3-you-exchange-the-temporary-code-to-retrieve-the-app-configuration */
const CODE_TTL_MS = 60 * 60 * 1000;

/** An App registered through the manifest flow. */
export type ManifestApp = {
  id: number;
  slug: string;
  name: string;
  owner: string;
  manifest: StandInManifest;
  permissions: Record<string, string>;
  events: string[];
  clientId: string;
  clientSecret: string;
  webhookSecret: string | null;
  createdAt: number;
  code: string;
  codeExpiresAt: number;
  codeUsed: boolean;
};

export type AppManifests = {
  /** Every App registered so far, newest last. */
  apps: ManifestApp[];
  /**
   * As if a person had submitted GitHub's form with `manifest` (what the local page posts): registers
   * the App and returns the code GitHub puts in the redirect. Throws what the form would show for a
   * manifest GitHub refuses (invalid, a name in use, an event its permissions do not allow).
   */
  complete(manifest: unknown, opts?: { owner?: string; expiresInMs?: number }): string;
  /** The conversion endpoint's half: the App of an unused, unexpired code, now used; else undefined. */
  redeem(code: string): ManifestApp | undefined;
};

export function createAppManifests(ctx: StandInContext): AppManifests {
  const apps: ManifestApp[] = [];
  return {
    apps,
    complete(raw, opts = {}) {
      const parsed = StandInManifest.safeParse(raw);
      if (!parsed.success) {
        throw new Error(`GitHub would refuse this manifest: ${z.prettifyError(parsed.error)}`);
      }
      const manifest = parsed.data;
      const slug = manifest.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "");
      if (slug === ctx.app.slug || apps.some((a) => a.slug === slug)) {
        throw new Error(`GitHub would refuse this manifest: Name "${manifest.name}" is already in use`);
      }
      const permissions = { ...manifest.default_permissions, metadata: "read" };
      const events = manifest.default_events ?? [];
      const unsupported = events.filter((e) => EVENT_PERMISSIONS[e]?.every((p) => !(p in permissions)));
      if (unsupported.length > 0) {
        throw new Error(
          `GitHub would refuse this manifest: Default events unsupported: ${unsupported.join(", ")}`,
        );
      }
      const createdAt = now();
      const app: ManifestApp = {
        id: nextId(ctx.state),
        slug,
        name: manifest.name,
        owner: opts.owner ?? "octocat",
        manifest,
        permissions,
        events,
        clientId: `Iv23li${randomBytes(7).toString("hex")}`,
        clientSecret: randomBytes(20).toString("hex"),
        webhookSecret: manifest.hook_attributes ? randomBytes(20).toString("hex") : null,
        createdAt,
        code: randomBytes(20).toString("hex"),
        codeExpiresAt: createdAt + (opts.expiresInMs ?? CODE_TTL_MS),
        codeUsed: false,
      };
      apps.push(app);
      return app.code;
    },
    redeem(code) {
      const app = apps.find((a) => a.code === code);
      if (!app || app.codeUsed || now() >= app.codeExpiresAt) return undefined;
      app.codeUsed = true;
      return app;
    },
  };
}
