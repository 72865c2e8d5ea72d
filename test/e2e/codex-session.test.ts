/**
 * `--agent codex` on the whole stack (webhook → Worker → SessionDO → sandbox host → bridge → the real
 * pinned Codex CLI in bubblewrap, against a scripted Responses API → the GitHub stand-in): the same
 * status comment, branch and pull request as a Claude Code run, and a transcript of agent-neutral
 * events.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { SessionEvent } from "../../src/core/session-event.js";
import { addFilePatch, type ResponsesScript } from "../../src/demo/responses-server.js";
import { type Stack, startStack } from "../../src/demo/start-stack.js";
import { waitFor } from "../../src/demo/wait-for.js";

const RUN_MS = 90_000;

const codexScript: ResponsesScript = ({ turn }) => {
  if (turn === 0)
    return {
      items: [{ type: "apply_patch", patch: addFilePatch("NOTES.md", "# Notes\n\nWritten by Codex.\n") }],
    };
  if (turn === 1) return { items: [{ type: "exec_command", cmd: "cat NOTES.md" }] };
  return { items: [{ type: "text", text: "Add NOTES.md\n\nA short notes file." }] };
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ codexScript, commentIntervalMs: 200 });
});
afterAll(async () => {
  await stack?.close();
});

it("runs Codex when asked with --agent codex, and opens the pull request", {
  timeout: RUN_MS + 30_000,
}, async () => {
  const { github, repo } = stack;
  const { response } = await stack.comment("@understudy add a notes file --agent codex");
  expect(response.status).toBe(202);
  const mine = () =>
    github.state.comments.filter(
      (c) => c.repo === repo && c.issueNumber === stack.issueNumber && c.user === github.app.botLogin,
    );
  const final = await waitFor(
    "the final status comment",
    () => mine().find((c) => /^### (✅|❌)/mu.test(c.body)),
    RUN_MS,
  );
  expect(final.body.split("\n")[0]).toBe("### ✅ Done");
  expect(final.body).toContain("Wrote `NOTES.md`");
  expect(final.body).toContain("Ran `cat NOTES.md`");
  // The Responses API got the task, and Claude's model API nothing.
  expect(stack.responses?.requests.length).toBeGreaterThanOrEqual(3);
  expect(stack.model.requests).toEqual([]);

  const pull = github.state.pulls.find((p) => p.repo === repo);
  expect(pull?.title).toBe("Add NOTES.md");
  const link = /\((http:\/\/127\.0\.0\.1:\d+\/sessions\/[0-9a-f]{64})\?token=([^)\s]+)\)/.exec(final.body);
  const res = await fetch(`${link![1]}/events?token=${link![2]}`, { signal: AbortSignal.timeout(10_000) });
  const events = ((await res.json()) as { events: SessionEvent[] }).events.map((e) => e.event);
  const calls = events.flatMap((e) =>
    e.type === "tool_call" ? [[e.data.kind, e.data.path ?? e.data.command]] : [],
  );
  expect(calls).toEqual(
    expect.arrayContaining([
      ["write", "NOTES.md"],
      ["shell", "cat NOTES.md"],
    ]),
  );
  expect(events.find((e) => e.type === "isolation")?.data).toMatchObject({ mode: "bubblewrap" });
});
