/** The spec of a run, from stored state: the follow-up's request beside its whole prompt. */
import { expect, it } from "vitest";
import type { SessionEvent } from "../../src/core/session-event.js";
import { SandboxSpec } from "../../src/core/wire.js";
import { sandboxSpec } from "./sandbox-spec.js";
import type { SessionDeps } from "./session-deps.js";
import type { SessionRecord } from "./session-record.js";

const request = {
  deliveryId: "d1",
  installationId: 1,
  repo: {
    id: 1,
    owner: "acme",
    name: "widgets",
    cloneUrl: "https://github.com/acme/widgets.git",
    htmlUrl: "https://github.com/acme/widgets",
    defaultBranch: "main",
  },
  issue: { number: 7, title: "Add hello", isPullRequest: false },
  trigger: { commentId: 1, htmlUrl: "https://github.com/acme/widgets/issues/7#c1" },
  requester: { login: "ada", id: 2 },
  task: "now the license",
  prompt: "Now the license, please.\n\nContext: issue #7.",
  options: {},
};

const earlier: SessionEvent[] = [
  { run: 1, event: { seq: 0, type: "user_message", at: "t", data: { text: "add hello", author: "ada" } } },
  {
    run: 1,
    event: { seq: 5, type: "execution_complete", at: "t", data: { success: true, summary: "Added hello" } },
  },
] as SessionEvent[];

function specOf(run: number) {
  const d = {
    id: "sess_1",
    config: {
      APP_SLUG: "understudy",
      APP_ID: "1",
      BRANCH_PREFIX: "understudy/",
      TIME_LIMIT_MS: 60_000,
      SANDBOX_HEARTBEAT_MS: 15_000,
    },
    store: { eventsOfTypes: () => earlier, maxSeq: () => 5 },
  } as unknown as SessionDeps;
  const s = {
    run,
    publicUrl: "https://understudy.example",
    baseBranch: "main",
    branch: "understudy/7-add-hello",
    request,
    originIsPullRequest: false,
  } as unknown as SessionRecord;
  return SandboxSpec.parse(sandboxSpec(d, s, "t".repeat(40)));
}

it("gives a follow-up its request alone beside the prompt that tells of the earlier runs", () => {
  const spec = specOf(2);
  expect(spec.request).toBe(request.prompt);
  expect(spec.prompt.startsWith(request.prompt)).toBe(true);
  expect(spec.prompt).toContain('<earlier-run number="1">');
  expect(spec.request).not.toContain("earlier-run");
});

it("gives a first run no separate request", () => {
  const spec = specOf(1);
  expect(spec.prompt).toBe(request.prompt);
  expect(spec.request).toBeUndefined();
});
