import { describe, expect, it } from "vitest";
import { AFTER, at, baseView, events, upTo } from "../../test/support/session-scenario.js";
import { pastRunElapsedMs, runElapsedMs } from "./run-elapsed-ms.js";
import { statusLabel } from "./status-label.js";
import { exitCodeOf, summarizeRun } from "./summarize-run.js";
import type { Event, EventPayload } from "./wire.js";

const push = (seq: number, data: EventPayload<"push_complete">): Event => ({
  seq,
  at: at(seq),
  type: "push_complete",
  data,
});

describe("summarizeRun", () => {
  it("sums up a whole run: steps, totals, prompt, last words, outcome, push and times", () => {
    const run = summarizeRun(events());
    expect(run.steps.map((s) => [s.call.kind, s.state, s.output])).toEqual([
      ["write", "done", "File created successfully at: /workspace/repo/HELLO.md"],
      ["shell", "done", "?? HELLO.md"],
    ]);
    expect(run.totals).toEqual({ inputTokens: 2700, outputTokens: 205, costUsd: 0.0334, turns: 2 });
    expect(run.prompt?.author).toBe("octocat");
    expect(run.lastAssistantText).toMatch(/^Done: created `HELLO.md`/);
    expect(run.agentResult).toMatchObject({ success: true });
    expect(run.push).toEqual({
      kind: "pushed",
      branch: "understudy/12-add-a-greeting-file",
      sha: "4b1d0c9e22",
      commitsAhead: 1,
    });
    expect(run.status).toBe("completed");
    expect(run.artifacts.map((a) => a.kind)).toEqual(["branch", "pr"]);
    expect([run.startedAt, run.endedAt, run.lastAt]).toEqual([at(0), at(53), at(53)]);
  });

  it("a run in progress: the running step, no outcome, no end", () => {
    const run = summarizeRun(upTo(AFTER.bashRunning));
    expect(run.steps.map((s) => s.state)).toEqual(["done", "running"]);
    expect(run.agentResult).toBeUndefined();
    expect(run.push).toEqual({ kind: "none" });
    expect(run.status).toBe("running");
    expect(run.endedAt).toBeUndefined();
    expect(run.sandboxStatus).toBe("cloning");
  });

  it("a call re-emitted with more detail refines its step, and a result never goes back to running", () => {
    const call = (seq: number, extra: object, status: "running" | "completed" | "error"): Event => ({
      seq,
      at: at(seq),
      type: "tool_call",
      data: { callId: "c", kind: "edit", name: "apply_patch", status, ...extra },
    });
    const run = summarizeRun([
      call(1, {}, "running"),
      { seq: 2, at: at(2), type: "tool_result", data: { callId: "c", output: "ok", isError: false } },
      call(3, { path: "src/a.ts", added: 2, removed: 0 }, "running"),
    ]);
    expect(run.steps).toHaveLength(1);
    expect(run.steps[0]).toMatchObject({ state: "done", output: "ok", call: { path: "src/a.ts", added: 2 } });
    expect(summarizeRun([call(1, {}, "error")]).steps[0]?.state).toBe("error");
    expect(summarizeRun([call(1, {}, "completed")]).steps[0]?.state).toBe("done");
  });

  it("keeps a failed command's exit code, read from its output as Claude Code's Bash tool reports it", () => {
    const bash = (callId: string, seq: number): Event => ({
      seq,
      at: at(seq),
      type: "tool_call",
      data: { callId, kind: "shell", name: "Bash", command: "npm test", status: "running" },
    });
    const output = (callId: string, seq: number, text: string, isError: boolean): Event => ({
      seq,
      at: at(seq),
      type: "tool_result",
      data: { callId, output: text, isError },
    });
    const run = summarizeRun([
      bash("a", 1),
      output("a", 2, "Exit code 1\n FAIL src/date.test.ts", true),
      bash("b", 3),
      output("b", 4, "Permission to use Bash has been denied.", true),
      bash("c", 5),
      // Only an error's output is read: a command may print these words and succeed.
      output("c", 6, "Exit code 3", false),
    ]);
    expect(run.steps.map((s) => [s.state, s.exitCode])).toEqual([
      ["error", 1],
      ["error", undefined],
      ["done", undefined],
    ]);
  });

  it("keeps workflow files left out for the comment, and not what setup changed", () => {
    const left = (seq: number, data: EventPayload<"files_left_out">): Event => ({
      seq,
      at: at(seq),
      type: "files_left_out",
      data,
    });
    const workflows = { paths: [".github/workflows/ci.yml"], reason: "not allowed" };
    const setup = { paths: ["package-lock.json"], reason: "setup", kind: "setup" as const };
    expect(summarizeRun([left(1, workflows), left(2, setup)]).leftOut).toEqual(workflows);
    expect(summarizeRun([left(1, setup)]).leftOut).toBeUndefined();
  });

  it("reads an exit code only from the start of the output", () => {
    expect(exitCodeOf("Exit code 127\nsh: foo: not found")).toBe(127);
    expect(exitCodeOf("Exit code: 2\nWall time: 0 seconds")).toBe(2);
    expect(exitCodeOf("\nExit code 1")).toBe(1);
    expect(exitCodeOf("Error: Exit code 1")).toBeUndefined();
    expect(exitCodeOf("Exit code 12abc")).toBeUndefined();
    expect(exitCodeOf("")).toBeUndefined();
  });

  it("tells the push outcomes apart, the last report winning", () => {
    const branch = "b";
    const of = (...list: Event[]) => summarizeRun(list).push.kind;
    expect(of(push(1, { branch, sha: "s", commitsAhead: 2, pushed: true }))).toBe("pushed");
    expect(of(push(1, { branch, sha: "s", commitsAhead: 2, pushed: false }))).toBe("up_to_date");
    expect(of(push(1, { branch, sha: "s", commitsAhead: 0, pushed: false }))).toBe("no_changes");
    const failed: Event = { seq: 2, at: at(2), type: "push_error", data: { branch, error: "denied" } };
    expect(summarizeRun([failed]).push).toEqual({ kind: "failed", branch, error: "denied" });
    const retried = summarizeRun([failed, push(3, { branch, sha: "s", commitsAhead: 1, pushed: true })]);
    expect(retried.push.kind).toBe("pushed");
    expect(retried.pushError?.error).toBe("denied");
  });

  it("an empty run is all zeros and unknowns", () => {
    const run = summarizeRun([]);
    expect(run.steps).toEqual([]);
    expect(run.totals).toEqual({ inputTokens: 0, outputTokens: 0, costUsd: 0, turns: 0 });
    expect(run.push).toEqual({ kind: "none" });
    expect(run.status).toBeUndefined();
  });
});

describe("run durations", () => {
  it("the current run ticks while live and freezes at its end", () => {
    const run = summarizeRun(events());
    expect(runElapsedMs(baseView(), run, new Date(at(65)))).toBe(65_000);
    const done = baseView({ status: "completed", finishedAt: at(53) });
    expect(runElapsedMs(done, run, new Date(at(600)))).toBe(53_000);
    // No finishedAt stored: the run's own terminal status says when it ended.
    expect(runElapsedMs({ ...done, finishedAt: null }, run, new Date(at(600)))).toBe(53_000);
  });

  it("a past run's duration comes from the control plane's statuses alone", () => {
    expect(pastRunElapsedMs(summarizeRun(events()))).toBe(53_000);
    expect(pastRunElapsedMs(summarizeRun(upTo(AFTER.bashRunning)))).toBeUndefined();
  });
});

describe("statusLabel", () => {
  it("names every status once, for every view", () => {
    expect(statusLabel("running")).toEqual({ icon: "🛠️", text: "Working…" });
    expect(statusLabel("cancelled").text).toBe("Stopped");
    expect(statusLabel("finishing").text).toBe("Pushing & opening PR…");
    expect(statusLabel("finishing", true).text).toBe("Pushing & updating PR…");
  });
});
