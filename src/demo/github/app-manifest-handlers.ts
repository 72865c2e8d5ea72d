import { generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import { http, type RequestHandler } from "msw";
import type { AppManifests } from "./create-app-manifests.js";
import { ensureUser } from "./ensure-user.js";
import { githubError } from "./github-error.js";
import { githubJson } from "./github-json.js";
import { isoTime } from "./iso-time.js";
import { nodeId } from "./node-id.js";
import { renderUser } from "./render-user.js";
import type { StandInContext } from "./stand-in-context.js";

/**
 * The last step of the App-manifest flow, unauthenticated (the code is the credential):
 * https://docs.github.com/rest/apps/apps#create-a-github-app-from-a-manifest
 * Mint codes with `standIn.appManifests.complete(manifest)`.
 */
export function appManifestHandlers(ctx: StandInContext, manifests: AppManifests): RequestHandler[] {
  return [
    http.post<{ code: string }>(`${ctx.apiUrl}/app-manifests/:code/conversions`, async ({ params }) => {
      const app = manifests.redeem(params.code);
      // GitHub answers an unknown, used or expired code alike.
      if (!app) return githubError(404, "Not Found");
      // A real key, PKCS#1 as GitHub hands it out, shown this once and not kept.
      const { privateKey } = await promisify(generateKeyPair)("rsa", {
        modulusLength: 2048,
        publicKeyEncoding: { type: "spki", format: "pem" },
        privateKeyEncoding: { type: "pkcs1", format: "pem" },
      });
      return githubJson(
        {
          id: app.id,
          slug: app.slug,
          node_id: nodeId("Integration", app.id),
          client_id: app.clientId,
          owner: renderUser(ctx, ensureUser(ctx.state, app.owner)),
          name: app.name,
          description: app.manifest.description ?? "",
          external_url: app.manifest.url,
          html_url: `${ctx.url}/apps/${app.slug}`,
          created_at: isoTime(app.createdAt),
          updated_at: isoTime(app.createdAt),
          permissions: app.permissions,
          events: app.events,
          client_secret: app.clientSecret,
          webhook_secret: app.webhookSecret,
          pem: privateKey,
        },
        201,
      );
    }),
  ];
}
