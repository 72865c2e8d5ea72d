/**
 * Title and body of the pull request, from the agent's summary. The first line of the summary is
 * the title (the prompt asks for that); the issue link uses a closing keyword so merging closes it.
 */
export type PullRequestTextInput = {
  summary: string | null;
  fallbackTitle: string;
  issueNumber: number;
  /** Sessions started on a pull request push to its branch; they never open a second PR. */
  isPullRequest: boolean;
  requester: string;
  triggerUrl: string;
  transcriptUrl: string;
  /** The repository's pull-request template (comments stripped), followed below the summary. */
  template?: string | null;
};

const TITLE_MAX = 72;

export function pullRequestText(p: PullRequestTextInput): { title: string; body: string } {
  const lines = (p.summary ?? "").trim().split("\n");
  const first = (lines[0] ?? "")
    .replace(/^#+\s*/, "")
    .replace(/\*\*/g, "")
    .trim();
  const rawTitle = first || p.fallbackTitle;
  const title = rawTitle.length > TITLE_MAX ? `${rawTitle.slice(0, TITLE_MAX - 1).trimEnd()}…` : rawTitle;
  const rest = lines
    .slice(first ? 1 : 0)
    .join("\n")
    .trim();
  const body = [
    rest || "_The agent did not write a summary._",
    // The repository asks every PR to follow its template: its sections (checklists, notes) follow
    // the summary, for the reviewer to complete.
    ...(p.template ? ["", p.template] : []),
    "",
    `Closes #${p.issueNumber}`,
    "",
    "---",
    `Requested by @${p.requester} in ${p.triggerUrl} · [Transcript](${p.transcriptUrl})`,
  ].join("\n");
  return { title, body };
}
