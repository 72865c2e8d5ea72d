/**
 * `.github/understudy.yml` as Probot's `context.config` reads it (@probot/octokit-plugin-config: the
 * repository's file, else the owner's `.github` repository's; YAML; its errors), but with both files
 * asked for at once: the plugin asks for the owner's only after the repository's answered 404, one
 * more GitHub round trip before the first answer (👀) on every repository without a file of its
 * own. A file that uses `_extends` is read by the plugin itself, which follows it.
 */
import yaml from "yaml";
import { CONFIG_FILE } from "./repo-config.js";

export type ConfigFileClient = {
  request(
    route: "GET /repos/{owner}/{repo}/contents/{path}",
    params: { owner: string; repo: string; path: string; mediaType: { format: "raw" } },
  ): Promise<{ data: unknown; headers: Record<string, string | number | undefined>; url: string }>;
};

/** The plugin's prefix: repo-config.ts's loadRepoConfig tells a file's problem from GitHub's failure by it. */
const PREFIX = "[@probot/octokit-plugin-config]";

/**
 * The parsed file (null: no file in either place). `viaPlugin` reads it the plugin's way, for
 * `_extends`; its result is returned as it is.
 */
export async function readConfigFile(
  gh: ConfigFileClient,
  owner: string,
  repo: string,
  viaPlugin: () => Promise<unknown>,
): Promise<unknown> {
  const get = async (from: string) => {
    try {
      const res = await gh.request("GET /repos/{owner}/{repo}/contents/{path}", {
        owner,
        repo: from,
        path: CONFIG_FILE,
        mediaType: { format: "raw" },
      });
      return {
        data: res.data,
        json: String(res.headers["content-type"] ?? "").startsWith("application/json"),
        url: res.url,
      };
    } catch (error) {
      if ((error as { status?: number }).status === 404) return null;
      throw error;
    }
  };
  const own = get(repo);
  const fallback = repo === ".github" ? Promise.resolve(null) : get(".github");
  // Neither rejection may go unhandled while the other is awaited.
  fallback.catch(() => {});
  const file = (await own) ?? (await fallback);
  if (file === null) return null;
  if (file.json)
    throw new Error(`${PREFIX} ${file.url} exists, but is either a directory or a submodule. Ignoring.`);
  let config: unknown;
  try {
    config = yaml.parse(String(file.data), { logLevel: "error" }) || {};
  } catch (error) {
    throw new Error(`${PREFIX} Configuration could not be parsed from ${file.url} (invalid YAML)`, {
      cause: error,
    });
  }
  if (typeof config === "string")
    throw new Error(`${PREFIX} Configuration could not be parsed from ${file.url} (YAML is not an object)`);
  if (config && typeof config === "object" && "_extends" in config) return viaPlugin();
  return config;
}
