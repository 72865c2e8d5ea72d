/**
 * The repository's pull-request template for a run's pull request, read once per run: asked for
 * when the agent starts, so the end of the run waits only for the pull request itself, and asked
 * again at the end only when that read failed (GitHub, or the installation's client, unavailable)
 * or this object was reset meanwhile. Kept in memory: a template is context for the PR body, not
 * state worth storing. Rejects when GitHub failed to say; the pull request then goes without.
 */
import { readPullRequestTemplate } from "../../src/github/read-pull-request-template.js";
import type { SessionDeps } from "./session-deps.js";
import type { SessionRecord } from "./session-record.js";

const reads = new WeakMap<SessionDeps, { run: number; template: Promise<string | null> }>();

export function pullRequestTemplate(d: SessionDeps, s: SessionRecord): Promise<string | null> {
  const kept = reads.get(d);
  if (kept?.run === s.run) return kept.template;
  const template = d.github(s.request.installationId).then((gh) =>
    readPullRequestTemplate(gh, {
      owner: s.request.repo.owner,
      repo: s.request.repo.name,
      ref: s.baseBranch,
    }),
  );
  const entry = { run: s.run, template };
  reads.set(d, entry);
  // A failed read is not kept: the pull request asks again.
  template.catch(() => {
    if (reads.get(d) === entry) reads.delete(d);
  });
  return template;
}
