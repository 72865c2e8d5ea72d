/**
 * What the prompt needs from GitHub besides the payload, each read once: the comments written before
 * the trigger (`issues.listComments`, the newest page; `issues.get` first for how many there are
 * when the payload does not say) and a pull request's changed files (`pulls.listFiles`, the first
 * 100). The prompt caps them further (build-prompt.ts).
 */
import { PROMPT_CAPS, type PromptComment, type PromptFile } from "./build-prompt.js";
import type { GitHubClient } from "./github-client.js";
import { newestPage } from "./newest-page.js";

type Where = { owner: string; repo: string; number: number };

/** What came before the trigger: a comment id (issue comments) and/or a time. */
export type Before = { commentId: number | null; at: string | null };

export async function earlierComments(
  octokit: GitHubClient,
  where: Where,
  before: Before,
  /** The thread's comment count from the payload, when it has one. */
  total: number | undefined,
  /** The App's own account: its status comments are not context. */
  appLogin: string,
): Promise<{ items: PromptComment[]; total: number }> {
  // Review events carry no comment count, and the list is oldest first with no documented way to
  // reverse it (`since` filters by update time): one request for the count says which page is the
  // newest (GET /repos/{owner}/{repo}/issues/{issue_number}, which a pull request answers too).
  const count = total ?? (await commentCount(octokit, where));
  // A few more than the prompt shows: comments written after the trigger may be on the page too.
  const page = newestPage(count, PROMPT_CAPS.commentCount + 5);
  const { data } = await octokit.rest.issues.listComments({
    owner: where.owner,
    repo: where.repo,
    issue_number: where.number,
    ...page,
  });
  const earlier = data.filter((c) => {
    if (c.user?.login.toLowerCase() === appLogin.toLowerCase()) return false;
    if (before.commentId !== null && c.id >= before.commentId) return false;
    // Written after the trigger, or changed since: not what the requester saw when asking.
    if (before.at !== null && (c.created_at > before.at || c.updated_at > before.at)) return false;
    return true;
  });
  return {
    items: earlier.map((c) => ({ author: c.user?.login ?? "ghost", at: c.created_at, body: c.body ?? "" })),
    total: earlier.length + (page.page - 1) * page.per_page,
  };
}

async function commentCount(octokit: GitHubClient, where: Where): Promise<number> {
  const { data } = await octokit.rest.issues.get({
    owner: where.owner,
    repo: where.repo,
    issue_number: where.number,
  });
  return data.comments;
}

export async function changedFiles(
  octokit: GitHubClient,
  where: Where,
  total: number | undefined,
): Promise<{ items: PromptFile[]; total: number }> {
  const { data } = await octokit.rest.pulls.listFiles({
    owner: where.owner,
    repo: where.repo,
    pull_number: where.number,
    per_page: PROMPT_CAPS.files,
  });
  return {
    items: data.map((f) => ({
      filename: f.filename,
      status: f.status,
      additions: f.additions,
      deletions: f.deletions,
    })),
    total: Math.max(total ?? 0, data.length),
  };
}
