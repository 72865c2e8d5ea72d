/** Where GitHub's web pages and REST API are: github.com, or a GitHub Enterprise Server host. */
export type GitHubUrls = { url: string; apiUrl: string };

/**
 * Reads GITHUB_URL and GITHUB_API_URL, the names the Worker uses. On GitHub Enterprise Server the API
 * lives under `/api/v3` of the host, so GITHUB_URL alone is enough there.
 */
export function githubUrls(env: { GITHUB_URL?: string; GITHUB_API_URL?: string }): GitHubUrls {
  const url = trimSlash(env.GITHUB_URL || "https://github.com");
  const apiUrl = trimSlash(
    env.GITHUB_API_URL || (url === "https://github.com" ? "https://api.github.com" : `${url}/api/v3`),
  );
  return { url, apiUrl };
}

const trimSlash = (s: string) => s.replace(/\/+$/, "");
