/**
 * Every exit path ends in a terminal state with the status comment rendered for it: a model API that
 * fails, a sandbox host that is down. Nothing is left saying "working".
 */
import { afterEach, describe, expect, it } from "vitest";
import { failingScript } from "../../src/demo/model-server.js";
import { type Stack, startStack } from "../../src/demo/start-stack.js";
import { waitFor } from "../../src/demo/wait-for.js";

describe("failure paths", () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  const finalStatusComment = (s: Stack) =>
    waitFor("a terminal status comment", () =>
      s.github.state.comments.find((c) => c.user === s.github.app.botLogin && /^### ❌/mu.test(c.body)),
    );

  it("reports a failing model API as a failed run, with nothing pushed and no PR", async () => {
    stack = await startStack({ script: failingScript(500, "overloaded") });
    const { response } = await stack.comment("@understudy add a CONTRIBUTING.md");
    expect(response.status).toBe(202);
    const comment = await finalStatusComment(stack);
    expect(comment.body).toMatch(/Failed/);
    expect(comment.body).toMatch(/500/);
    expect(comment.body).toMatch(/Nothing was pushed|no changes/i);
    expect(comment.body).not.toMatch(/Working…/);
    expect(stack.github.state.pulls).toEqual([]);
    expect(stack.github.unhandled).toEqual([]);
    expect(stack.github.undocumented).toEqual([]);
  });

  it("fails the run with a clear comment when the sandbox host is unreachable", async () => {
    stack = await startStack();
    await stack.host.close();
    await stack.comment("@understudy add a CONTRIBUTING.md");
    const comment = await finalStatusComment(stack);
    expect(comment.body).toMatch(
      /Could not start a sandbox: the local sandbox host at http:\/\/127\.0\.0\.1:\d+ is not reachable/,
    );
    const botComments = stack.github.state.comments.filter((c) => c.user === stack?.github.app.botLogin);
    expect(botComments).toHaveLength(1);
  });
});
