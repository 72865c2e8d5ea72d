/**
 * Opens the session's pull request, or finds the one already open for its branch (a follow-up run
 * pushes to the same branch and keeps the same PR).
 */
export type PullsClient = {
  rest: {
    pulls: {
      list(p: { owner: string; repo: string; head: string; state: "open" }): Promise<{
        data: { number: number; html_url: string }[];
      }>;
      create(p: {
        owner: string;
        repo: string;
        head: string;
        base: string;
        title: string;
        body: string;
        draft?: boolean;
      }): Promise<{ data: { number: number; html_url: string } }>;
    };
  };
};

export async function openPullRequest(
  octokit: PullsClient,
  p: { owner: string; repo: string; head: string; base: string; title: string; body: string; draft: boolean },
): Promise<{ number: number; url: string; created: boolean }> {
  const existing = await octokit.rest.pulls.list({
    owner: p.owner,
    repo: p.repo,
    head: `${p.owner}:${p.head}`,
    state: "open",
  });
  const open = existing.data[0];
  if (open) return { number: open.number, url: open.html_url, created: false };
  const { data } = await octokit.rest.pulls.create({
    owner: p.owner,
    repo: p.repo,
    head: p.head,
    base: p.base,
    title: p.title,
    body: p.body,
    draft: p.draft,
  });
  return { number: data.number, url: data.html_url, created: true };
}
