import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import * as z from "zod";
import { buildOpenApiIndex } from "./build-openapi-index.js";
import type { OpenApiIndex } from "./openapi-index.js";

/**
 * The description of api.github.com, because that is what the bot is deployed against; the stand-in
 * only borrows GitHub Enterprise Server's URL layout (`/api/v3`). A GHES description
 * (`ghes-3.19.json`) would be the stricter choice only if the bot were to support GHES too: it lags
 * github.com and would flag endpoints or fields GHES has not shipped yet.
 */
const DESCRIPTION = "@octokit/openapi/generated/api.github.com.json";

const Manifest = z.object({ version: z.string() });

let loading: Promise<OpenApiIndex> | undefined;

/**
 * GitHub's REST description as an OpenApiIndex, read and parsed once per process on first use
 * (13 MB of JSON: about half a second; the `.deref` variant is 73 MB and not needed, as `$ref`s are
 * resolved while indexing). The parsed description is dropped once indexed.
 */
export function loadOpenApiIndex(): Promise<OpenApiIndex> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const { version } = Manifest.parse(
      JSON.parse(await readFile(require.resolve("@octokit/openapi/package.json"), "utf8")),
    );
    const description: unknown = JSON.parse(await readFile(require.resolve(DESCRIPTION), "utf8"));
    return buildOpenApiIndex(description, `api.github.com (@octokit/openapi ${version})`);
  })();
  return loading;
}
