import { parse } from "yaml";
import { type AppManifest, AppManifest as AppManifestSchema, AppYml } from "./app-manifest.js";
import { SetupError } from "./setup-error.js";

/**
 * The manifest for this machine's registration: name, homepage, permissions and events from app.yml,
 * the webhook URL chosen for this run, and GitHub's redirect back to the local setup page.
 */
export function buildManifest(
  appYml: string,
  where: { webhookUrl: string; redirectUrl: string; name?: string },
): AppManifest {
  let raw: unknown;
  try {
    raw = parse(appYml);
  } catch (error) {
    throw new SetupError(
      `app.yml is not valid YAML: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const yml = AppYml.safeParse(raw);
  if (!yml.success) throw new SetupError(`app.yml: ${describe(yml.error)}`);
  const manifest = AppManifestSchema.safeParse({
    name: where.name ?? yml.data.name,
    url: yml.data.url,
    ...(yml.data.description ? { description: yml.data.description } : {}),
    hook_attributes: { url: where.webhookUrl, active: true },
    redirect_url: where.redirectUrl,
    // Always private, whatever app.yml says: anyone who installs the App runs the agent on this
    // machine's model key and sandboxes.
    public: false,
    default_permissions: yml.data.default_permissions,
    default_events: yml.data.default_events,
  });
  if (!manifest.success) throw new SetupError(`the App manifest is invalid: ${describe(manifest.error)}`);
  return manifest.data;
}

const describe = (error: { issues: Array<{ path: PropertyKey[]; message: string }> }) =>
  error.issues.map((i) => `${i.path.map(String).join(".") || "(top)"}: ${i.message}`).join("; ");
