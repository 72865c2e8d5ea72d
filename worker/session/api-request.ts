/**
 * A prompt made through the REST API, as a request of the session: same repository, thread and
 * installation as the session's last request, with its own id, author and instruction.
 */
import type { StartSessionRequest } from "../../src/core/start-session-request.js";
import { buildPrompt } from "../../src/github/build-prompt.js";

export function apiRequest(last: StartSessionRequest, text: string, author: string): StartSessionRequest {
  return {
    ...last,
    deliveryId: `api:${crypto.randomUUID()}`,
    trigger: { commentId: null, htmlUrl: "" },
    requester: { login: author, id: 0 },
    task: text,
    // The options are the last request's; its flags were written there, not here.
    flagged: undefined,
    prompt: buildPrompt({
      repo: `${last.repo.owner}/${last.repo.name}`,
      kind: last.issue.isPullRequest ? "pull request" : "issue",
      number: last.issue.number,
      title: last.issue.title,
      body: null,
      requester: author,
      task: text,
    }),
  };
}
