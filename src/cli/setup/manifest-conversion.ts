import * as z from "zod";

/**
 * The part of `POST /app-manifests/{code}/conversions`'s 201 answer setup uses:
 * https://docs.github.com/rest/apps/apps#create-a-github-app-from-a-manifest
 */
export const ManifestConversion = z.object({
  id: z.number().int().positive(),
  slug: z.string().min(1),
  name: z.string(),
  html_url: z.url(),
  owner: z.object({ login: z.string() }).nullable().optional(),
  /** PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"). */
  pem: z.string().min(1),
  // Documented as nullable: an App without a webhook secret.
  webhook_secret: z.string().nullable(),
  client_id: z.string(),
  client_secret: z.string(),
});
export type ManifestConversion = z.infer<typeof ManifestConversion>;
