/**
 * Where the manifest form is posted: the personal or the organisation "New GitHub App" page, with the
 * `state` GitHub sends back unchanged in the redirect.
 * https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest#1-you-redirect-people-to-github-to-create-a-new-github-app
 */
export function newAppUrl(githubUrl: string, state: string, org?: string): string {
  const owner = org ? `/organizations/${encodeURIComponent(org)}` : "";
  return `${githubUrl}${owner}/settings/apps/new?state=${encodeURIComponent(state)}`;
}
