/**
 * The session's one alarm lives in the Durable Object's storage: a control plane restarted with the
 * same state directory still fires it. Here the bridge can never reach the control plane (every
 * request of the sandbox is refused by a fault proxy), the control plane is restarted while the run
 * waits for its sandbox, and the connect timer — set before the restart — ends the run afterwards
 * with a terminal comment that says why.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../../src/demo/start-stack.js";
import { waitFor } from "../../src/demo/wait-for.js";

describe("timers across a restart", { timeout: 120_000 }, () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      persistTo: true,
      vars: { SANDBOX_CONNECT_MS: "6000" },
      // The sandbox's WebSocket and git-token requests all fail: it never connects.
      faults: { controlPlane: () => ({ kind: "status", status: 503 }) },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("fires the connect timer set before the restart, and the run ends with a terminal comment", async () => {
    const { github } = stack;
    await stack.comment("@understudy add a CONTRIBUTING.md");
    await waitFor("the sandbox to be spawned", () => stack.host.sandboxes.size > 0);
    const restartedAt = Date.now();
    await stack.restartControlPlane();
    const final = await waitFor(
      "the terminal comment",
      () =>
        github.state.comments.find((c) => c.user === github.app.botLogin && /never connected/.test(c.body)),
      60_000,
    );
    expect(final.body).toMatch(/Failed/);
    // It came from the alarm after the restart, not before it.
    expect(final.updatedAt).toBeGreaterThanOrEqual(restartedAt);
  });
});
