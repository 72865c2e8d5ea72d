/**
 * Model scripts for the chaos suite, built on the product demo's script so the agent's work (a
 * CONTRIBUTING.md that says `npm test`) and the PR title stay the same as in the end-to-end tests.
 */
import { contributingScript, type ModelScript } from "../../../src/demo/model-server.js";

/** The file the agent writes; the checks look for it on the session branch and in the sandbox. */
export const WORK_FILE = "CONTRIBUTING.md";
/** A line of the file the agent writes. */
export const WORK_TEXT = "npm test";
export const TASK = "@understudy add a CONTRIBUTING.md that explains how to run the tests";

/**
 * The demo's run, stretched: look around, write CONTRIBUTING.md, then a Bash step that sleeps
 * `sleepS` seconds before `git status`, then the summary. A fault injected while the sleep runs finds
 * the work written but not yet committed, with the run live on every connection.
 */
export function slowContributingScript(sleepS: number): ModelScript {
  const base = contributingScript();
  return (ctx) =>
    ctx.turn === 2
      ? {
          blocks: [
            {
              type: "tool_use",
              name: "Bash",
              input: { command: `sleep ${sleepS} && git status --short`, description: "Check what changed" },
            },
          ],
        }
      : base(ctx);
}

/** Created by the test in a sandbox's TMPDIR (per run; HOME is the session's) to let its gated run go on (see gatedContributingScript). */
export const GATE_FILE = "chaos-gate-open";

/**
 * The demo's run with a gate: after writing CONTRIBUTING.md, the agent's Bash step waits (at most
 * `maxWaitS`) for the test to create $TMPDIR/chaos-gate-open, then checks `git status`. Every run can
 * so be caught at the same point, work written but not committed, however slowly the sessions
 * started, and the fault injected into all of them at once.
 */
export function gatedContributingScript(maxWaitS = 120): ModelScript {
  const base = contributingScript();
  const polls = maxWaitS * 5;
  return (ctx) =>
    ctx.turn === 2
      ? {
          blocks: [
            {
              type: "tool_use",
              name: "Bash",
              input: {
                command: `for i in $(seq 1 ${polls}); do [ -e "$TMPDIR/${GATE_FILE}" ] && break; sleep 0.2; done; git status --short`,
                description: "Check what changed",
              },
            },
          ],
        }
      : base(ctx);
}
