import * as z from "zod";

const Access = z.enum(["read", "write", "admin"]);

/**
 * The GitHub App manifest the form posts, the fields this project sets:
 * https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest#github-app-manifest-parameters
 */
export const AppManifest = z.object({
  // GitHub refuses App names longer than 34 characters.
  name: z.string().min(1).max(34, "a GitHub App name is at most 34 characters"),
  url: z.url(),
  description: z.string().optional(),
  hook_attributes: z.object({ url: z.url(), active: z.boolean() }),
  redirect_url: z.url(),
  public: z.boolean(),
  default_permissions: z.record(z.string(), Access),
  default_events: z.array(z.string()),
});
export type AppManifest = z.infer<typeof AppManifest>;

/** app.yml: Probot's format, a manifest whose URLs are placeholders until setup knows where it runs. */
export const AppYml = z.object({
  name: z.string().min(1),
  url: z.url(),
  description: z.string().optional(),
  default_permissions: z.record(z.string(), Access),
  default_events: z.array(z.string()).default([]),
});
