/**
 * The session's state machine, queue, stop and timers, in workerd against the real SessionDO and its
 * SQLite (GitHub and the sandbox provider replaced by recorders, see session-harness.ts).
 */
import { describe, expect, it } from "vitest";
import { ALLOWED_TRANSITIONS } from "../../src/core/session-transitions.js";
import { type Event, SessionStatus } from "../../src/core/wire.js";
import { TEMPLATE_PATHS } from "../../src/github/read-pull-request-template.js";
import { acceptRequest, MAX_QUEUE } from "../../worker/session/accept-request.js";
import { onSandboxConnected, onSandboxEvents } from "../../worker/session/lifecycle.js";
import { runCommand } from "../../worker/session/run-command.js";
import type { SessionDeps } from "../../worker/session/session-deps.js";
import { sessionStatus } from "../../worker/session/session-status.js";
import { stopSession } from "../../worker/session/stop-session.js";
import { settleTimers, takeDueTimers } from "../../worker/session/timers.js";
import { transition } from "../../worker/session/transition.js";
import { fire, freshSession, inside, type Recorded, request } from "./session-harness.js";

/** The request a spawned run was given, without the earlier runs' summaries a follow-up also gets. */
const requestOf = (prompt: string) => prompt.split("\nThis session has run before")[0];

const URL = "http://understudy.test";

const statusEvents = (d: SessionDeps, run: number) =>
  d.store
    .events(run)
    .filter((e) => e.type === "session_status")
    .map((e) => (e as Extract<Event, { type: "session_status" }>).data);

const complete = (seq: number, success = true): Event => ({
  seq,
  type: "execution_complete",
  at: new Date().toISOString(),
  data: success ? { success, summary: "Done" } : { success, error: "The agent failed" },
});

const agentRunning = (seq: number): Event => ({
  seq,
  type: "sandbox_status",
  at: new Date().toISOString(),
  data: { status: "running_agent" },
});

const pushed = (seq: number, commitsAhead = 1): Event => ({
  seq,
  type: "push_complete",
  at: new Date().toISOString(),
  data: { branch: "understudy/12-add-a-greeting-file", sha: "abc", commitsAhead, pushed: commitsAhead > 0 },
});

/** What the sandbox socket does with a batch: store it, then let the lifecycle react to what was new. */
async function sandboxSends(d: SessionDeps, events: Event[]) {
  const run = d.store.getSession()!.run;
  const fresh = d.store.insertEvents(run, events);
  await onSandboxEvents(
    d,
    fresh.map((e) => e.event),
  );
}

/** Makes the current run `to` without going through the machine: the starting point of a case. */
function force(d: SessionDeps, to: SessionStatus) {
  const s = d.store.getSession()!;
  s.status = to;
  d.store.putSession(s);
}

describe("transitions", () => {
  it("applies every legal transition with its reason, and refuses every other one", async () => {
    const stub = freshSession();
    await inside(stub, async (d) => {
      await acceptRequest(d, request(1), URL);
      for (const from of SessionStatus.options) {
        for (const to of SessionStatus.options) {
          force(d, from);
          const before = d.store.events(d.store.getSession()!.run).length;
          const moved = transition(d, to, `from ${from}`);
          const after = d.store.getSession()!;
          const events = d.store.events(after.run);
          if (ALLOWED_TRANSITIONS[from].includes(to)) {
            expect(moved?.status, `${from}→${to}`).toBe(to);
            expect(after.status).toBe(to);
            expect(events.at(-1)).toMatchObject({
              type: "session_status",
              data: { status: to, reason: `from ${from}` },
            });
          } else {
            expect(moved, `${from}→${to} must be refused`).toBeNull();
            expect(after.status).toBe(from);
            expect(events.length).toBe(before);
          }
        }
      }
    });
  });

  it("walks a run from queued to completed, each move stored, and opens and links one PR", async () => {
    const stub = freshSession();
    await inside(stub, async (d, r) => {
      const outcome = await acceptRequest(d, request(1), URL);
      expect(outcome.outcome).toBe("started");
      expect(d.store.getSession()!.status).toBe("provisioning");
      expect(r.spawned).toHaveLength(1);
      await onSandboxConnected(d, 1);
      await sandboxSends(d, [agentRunning(1)]);
      expect(d.store.getSession()!.status).toBe("running");
      await sandboxSends(d, [pushed(2), complete(3)]);
      const s = d.store.getSession()!;
      expect([s.status, s.error]).toEqual(["completed", null]);
      expect(s.pr?.number).toBe(99);
      expect(r.links).toEqual([["1#99", "1#12"]]);
      expect(statusEvents(d, 1).map((e) => e.status)).toEqual([
        "queued",
        "provisioning",
        "running",
        "finishing",
        "completed",
      ]);
      expect(statusEvents(d, 1)[0]?.reason).toBe("Requested by @user1");
    });
  });
});

describe("the first answer", () => {
  it("asks for the sandbox only once the status comment is stored", async () => {
    const stub = freshSession();
    await inside(stub, async (d, r) => {
      const spawnedMeanwhile: number[] = [];
      r.inFlight = async (method) => {
        if (method !== "issues.createComment") return;
        // GitHub holds the comment for a few turns of the event loop: nothing else may start meanwhile.
        for (let i = 0; i < 20; i++) await new Promise((ok) => setTimeout(ok, 1));
        spawnedMeanwhile.push(r.spawned.length);
      };
      const outcome = await acceptRequest(d, request(1), URL);
      expect(outcome.outcome).toBe("started");
      expect(spawnedMeanwhile).toEqual([0]);
      expect(r.spawned).toHaveLength(1);
      expect(d.store.getSession()!).toMatchObject({ status: "provisioning" });
      expect(d.store.getSession()!.commentId).not.toBeNull();
    });
  });
});

describe("the end of a run", () => {
  /** A run whose bridge is connected, on a repository with a pull-request template. */
  const connectedRunWithTemplate = async (d: SessionDeps, r: Recorded) => {
    r.files[".github/pull_request_template.md"] = "## Checklist\n- [ ] Tests";
    await acceptRequest(d, request(1), URL);
    await onSandboxConnected(d, 1);
  };

  it("reads the pull-request template while the agent works, not after it, and once", async () => {
    const stub = freshSession();
    await inside(stub, async (d, r) => {
      await connectedRunWithTemplate(d, r);
      const reads = () => r.github.filter((c) => c.method === "repos.getContent");
      expect(reads()).toEqual([]);
      await sandboxSends(d, [agentRunning(1)]);
      // In the background: every place GitHub looks, asked while the run goes on (bounded wait).
      for (let i = 0; i < 100 && reads().length < TEMPLATE_PATHS.length; i++)
        await new Promise((ok) => setTimeout(ok, 5));
      expect(reads()).toHaveLength(TEMPLATE_PATHS.length);
      await sandboxSends(d, [pushed(2), complete(3)]);
      // The pull request used what was read, and nothing was read again.
      expect(reads()).toHaveLength(TEMPLATE_PATHS.length);
      expect(String(r.github.find((c) => c.method === "pulls.create")?.params.body)).toContain("- [ ] Tests");
    });
  });

  it("reads the template at the end when the early read failed", async () => {
    const stub = freshSession();
    await inside(stub, async (d, r) => {
      await connectedRunWithTemplate(d, r);
      // The installation's client cannot be had while the agent starts (GitHub away): no template then.
      const github = d.github;
      let refused = 0;
      d.github = () => {
        refused += 1;
        return Promise.reject(new Error("GitHub is away"));
      };
      await sandboxSends(d, [agentRunning(1)]);
      await new Promise((ok) => setTimeout(ok, 10));
      expect(refused).toBe(1);
      d.github = github;
      await sandboxSends(d, [pushed(2), complete(3)]);
      expect(d.store.getSession()!.status).toBe("completed");
      expect(String(r.github.find((c) => c.method === "pulls.create")?.params.body)).toContain("- [ ] Tests");
    });
  });
});

describe("queue", () => {
  it("runs requests made during a run next, in order, as new runs of the same branch and PR", async () => {
    const stub = freshSession();
    await inside(stub, async (d, r) => {
      await acceptRequest(d, request(1), URL);
      await onSandboxConnected(d, 1);
      const second = await acceptRequest(d, request(2), URL);
      const third = await acceptRequest(d, request(3), URL);
      expect(second).toMatchObject({ outcome: "queued", position: 1 });
      expect(third).toMatchObject({ outcome: "queued", position: 2 });
      expect(sessionStatus(d).queue.map((m) => m.author)).toEqual(["user2", "user3"]);
      // A redelivery of a queued request is not queued twice.
      expect((await acceptRequest(d, request(2), URL)).outcome).toBe("duplicate");

      await sandboxSends(d, [pushed(1), complete(2)]);
      // Run 1 ended: run 2 (user2's request) started on the same branch, PR kept.
      let s = d.store.getSession()!;
      expect(s.run).toBe(2);
      expect(s.request.requester.login).toBe("user2");
      expect(s.pr?.number).toBe(99);
      expect(r.spawned.map((x) => [x.run, requestOf(x.prompt), x.repo.branch])).toEqual([
        [1, "task 1", "understudy/12-add-a-greeting-file"],
        [2, "task 2", "understudy/12-add-a-greeting-file"],
      ]);
      // A new sandbox starts a new conversation: the follow-up is told what run 1 was asked and did.
      expect(r.spawned[1]!.prompt).toContain(
        '<earlier-run number="1">\nAsked by @user1: task 1\nOutcome: Done',
      );
      // Its events start after run 1's: seqs stay unique per session.
      expect(r.spawned[1]!.startSeq).toBeGreaterThanOrEqual(2);

      await onSandboxConnected(d, 2);
      await sandboxSends(d, [pushed(3, 2), complete(4, false)]);
      s = d.store.getSession()!;
      // A failed run does not stop the queue.
      expect(s.run).toBe(3);
      expect(s.request.requester.login).toBe("user3");
      await onSandboxConnected(d, 3);
      await sandboxSends(d, [pushed(5, 3), complete(6)]);
      expect(d.store.getSession()!.status).toBe("completed");
      expect(sessionStatus(d).queue).toEqual([]);
      // One pull request for the session, never a second one.
      expect(r.github.filter((c) => c.method === "pulls.create")).toHaveLength(1);
      // Each run's status comment was created once, in the thread where it was asked.
      expect(r.github.filter((c) => c.method === "issues.createComment")).toHaveLength(3);
    });
  });

  it(`answers a request past ${MAX_QUEUE} queued and does not store it`, async () => {
    const stub = freshSession();
    await inside(stub, async (d, r) => {
      await acceptRequest(d, request(0), URL);
      for (let i = 1; i <= MAX_QUEUE; i++)
        expect((await acceptRequest(d, request(i), URL)).outcome).toBe("queued");
      const before = r.github.length;
      expect((await acceptRequest(d, request(99), URL)).outcome).toBe("queue_full");
      const answer = r.github.slice(before).find((c) => c.method === "issues.createComment");
      expect(String(answer?.params.body)).toMatch(/already waiting/);
      expect(sessionStatus(d).queue).toHaveLength(MAX_QUEUE);
      expect(d.store.hasRequest("delivery-99")).toBe(false);
    });
  });
});

describe("stop", () => {
  it("asks a connected bridge to save its work, then ends the run cancelled and clears the queue", async () => {
    const stub = freshSession();
    await inside(
      stub,
      async (d, r) => {
        await acceptRequest(d, request(1), URL);
        await onSandboxConnected(d, 1);
        await acceptRequest(d, request(2), URL);
        const stop = await stopSession(d, "maintainer");
        expect(stop).toMatchObject({ outcome: "stopping", queueCleared: 1 });
        expect(r.toSandbox).toEqual([{ type: "stop", reason: "by @maintainer" }]);
        expect(d.store.getSession()!.status).toBe("provisioning");
        // A second stop while stopping changes nothing.
        expect((await stopSession(d, "someone-else")).outcome).toBe("stopping");
        // The bridge pushes the partial work and reports the end.
        await sandboxSends(d, [pushed(1), complete(2, false)]);
        const s = d.store.getSession()!;
        expect(s.status).toBe("cancelled");
        expect(s.stoppedBy).toBe("maintainer");
        expect(s.queueCleared).toBe(1);
        expect(s.branchUrl).toContain("understudy/12-add-a-greeting-file");
        expect(statusEvents(d, 1).at(-1)).toEqual({ status: "cancelled", reason: "Stopped by @maintainer" });
        // The queued request was cancelled, not run; no PR for a stopped run; the sandbox is stopped.
        expect(r.spawned).toHaveLength(1);
        expect(r.github.some((c) => c.method === "pulls.create")).toBe(false);
        expect(r.stopped).toEqual(["sbx-1"]);
      },
      { sandboxConnected: true },
    );
  });

  it("ends a run at once when no bridge is connected, and answers a stop on an idle session", async () => {
    const stub = freshSession();
    await inside(stub, async (d, r) => {
      expect(await stopSession(d, "x")).toEqual({ outcome: "idle" });
      await acceptRequest(d, request(1), URL);
      expect(await stopSession(d, "x")).toMatchObject({ outcome: "stopped" });
      expect(d.store.getSession()!.status).toBe("cancelled");
      expect(r.stopped).toEqual(["sbx-1"]);
      expect(await stopSession(d, "x")).toEqual({ outcome: "idle" });
    });
  });

  it("does not stop a run that is finishing (its PR is being opened)", async () => {
    const stub = freshSession();
    await inside(stub, async (d) => {
      await acceptRequest(d, request(1), URL);
      force(d, "finishing");
      expect(await stopSession(d, "x")).toEqual({ outcome: "finishing", run: 1 });
      expect(d.store.getSession()!.status).toBe("finishing");
    });
  });
});

describe("timers (the alarm)", () => {
  const state = (stub: ReturnType<typeof freshSession>) =>
    inside(stub, (d) => {
      const s = d.store.getSession()!;
      return { status: s.status, error: s.error, timers: d.store.timers().map((t) => t.name) };
    });

  it("fails a run whose sandbox never connected", async () => {
    const stub = freshSession();
    await inside(stub, (d) => acceptRequest(d, request(1), URL));
    expect((await state(stub)).timers).toEqual(expect.arrayContaining(["connect", "deadline"]));
    expect(await fire(stub, "connect")).toBe(true);
    const s = await state(stub);
    expect(s.status).toBe("failed");
    expect(s.error).toMatch(/never connected/);
    expect(s.timers).not.toContain("deadline");
  });

  it("lets a connected sandbox past the connect timer, and fails it when it goes silent", async () => {
    const stub = freshSession();
    await inside(stub, async (d) => {
      await acceptRequest(d, request(1), URL);
      await onSandboxConnected(d, 1);
      expect(d.store.timers().map((t) => t.name)).not.toContain("connect");
    });
    expect(await fire(stub, "connect")).toBe(true);
    expect((await state(stub)).status).toBe("provisioning");
    expect(await fire(stub, "silence")).toBe(true);
    const s = await state(stub);
    expect(s.status).toBe("failed");
    expect(s.error).toMatch(/stopped responding/);
  });

  it("fails a run at its time limit", async () => {
    const stub = freshSession();
    await inside(stub, async (d) => {
      await acceptRequest(d, request(1), URL);
      await onSandboxConnected(d, 1);
    });
    expect(await fire(stub, "deadline")).toBe(true);
    expect(await state(stub)).toMatchObject({ status: "failed", error: expect.stringMatching(/time limit/) });
  });

  it("cancels a stopped run whose bridge did not save its work within the grace period", async () => {
    const stub = freshSession();
    await inside(
      stub,
      async (d) => {
        await acceptRequest(d, request(1), URL);
        await onSandboxConnected(d, 1);
        expect((await stopSession(d, "maintainer")).outcome).toBe("stopping");
      },
      { sandboxConnected: true },
    );
    expect(await fire(stub, "stop")).toBe(true);
    const s = await state(stub);
    expect(s.status).toBe("cancelled");
    expect(s.error).toMatch(/did not save its work/);
    expect(s.timers).toEqual([]);
  });

  it("starts the next queued run when a timer ends the current one", async () => {
    const stub = freshSession();
    await inside(stub, async (d) => {
      await acceptRequest(d, request(1), URL);
      await acceptRequest(d, request(2), URL);
    });
    expect(await fire(stub, "connect")).toBe(true);
    await inside(stub, (d, r) => {
      const s = d.store.getSession()!;
      expect([s.run, s.status, s.request.requester.login]).toEqual([2, "provisioning", "user2"]);
      expect(d.store.events(1).some((e) => e.type === "error")).toBe(true);
      expect(r.spawned.map((x) => x.run)).toContain(2);
    });
  });
});

describe("commands from a comment", () => {
  const replies = (r: { github: { method: string; params: Record<string, unknown> }[] }) =>
    r.github.filter((c) => c.method === "issues.createComment").map((c) => String(c.params.body));

  it("status answers with the state, the current step and the queue", async () => {
    const stub = freshSession();
    await inside(stub, async (d, r) => {
      await runCommand(d, "status", request(9, { task: "status" }), URL);
      expect(replies(r).at(-1)).toMatch(/Nothing has run here yet/);
      await acceptRequest(d, request(1), URL);
      await onSandboxConnected(d, 1);
      await sandboxSends(d, [
        agentRunning(1),
        {
          seq: 2,
          type: "tool_call",
          at: new Date().toISOString(),
          data: {
            callId: "c1",
            kind: "shell",
            name: "Bash",
            command: "npm test",
            description: "Run the tests",
            status: "running",
          },
        },
      ]);
      await acceptRequest(d, request(2, { task: "then add docs" }), URL);
      await runCommand(d, "status", request(10, { task: "status" }), URL);
      const answer = replies(r).at(-1)!;
      expect(answer).toMatch(/Run 1 is \*\*running\*\*/);
      expect(answer).toMatch(/Now: Run the tests/);
      expect(answer).toMatch(/Queued \(1\): @\u200buser2: then add docs/);
      // A redelivered command is not answered twice.
      const count = replies(r).length;
      await runCommand(d, "status", request(10, { task: "status" }), URL);
      expect(replies(r)).toHaveLength(count);
    });
  });

  it("retry runs the last request again on the same branch, as the asker's; with nothing to retry it says so", async () => {
    const stub = freshSession();
    await inside(stub, async (d, r) => {
      await runCommand(d, "retry", request(5, { task: "retry" }), URL);
      expect(replies(r).at(-1)).toMatch(/no earlier request/);
      await acceptRequest(d, request(1), URL);
      await onSandboxConnected(d, 1);
      await sandboxSends(d, [complete(1, false)]);
      expect(d.store.getSession()!.status).toBe("failed");
      await runCommand(d, "retry", request(6, { task: "retry" }), URL);
      const s = d.store.getSession()!;
      expect([s.run, s.status, s.request.task, s.request.requester.login]).toEqual([
        2,
        "provisioning",
        "task 1",
        "user6",
      ]);
      expect(r.spawned.map((x) => [x.run, requestOf(x.prompt), x.repo.branch])).toEqual([
        [1, "task 1", "understudy/12-add-a-greeting-file"],
        [2, "task 1", "understudy/12-add-a-greeting-file"],
      ]);
      // The same retry comment delivered again starts nothing.
      await runCommand(d, "retry", request(6, { task: "retry" }), URL);
      expect(r.spawned).toHaveLength(2);
    });
  });
});

describe("what a reset or a slow GitHub must not break", () => {
  it("runs a request made while a stop is in progress once the stopped run has ended", async () => {
    const stub = freshSession();
    await inside(
      stub,
      async (d, r) => {
        await acceptRequest(d, request(1), URL);
        await onSandboxConnected(d, 1);
        await acceptRequest(d, request(2), URL);
        expect((await stopSession(d, "maintainer")).outcome).toBe("stopping");
        // During the grace: a new request waits...
        expect((await acceptRequest(d, request(3), URL)).outcome).toBe("queued");
        await sandboxSends(d, [pushed(1), complete(2, false)]);
        // ...and runs once the stopped run is cancelled; the request the stop cleared does not.
        const s = d.store.getSession()!;
        expect([s.run, s.request.requester.login, s.status]).toEqual([2, "user3", "provisioning"]);
        expect(r.spawned.map((x) => requestOf(x.prompt))).toEqual(["task 1", "task 3"]);
      },
      { sandboxConnected: true },
    );
  });

  it("keeps the next run waiting until the previous run's final comment has landed", async () => {
    const stub = freshSession();
    await inside(stub, async (d, r) => {
      await acceptRequest(d, request(1), URL);
      await onSandboxConnected(d, 1);
      await acceptRequest(d, request(2), URL);
      // The terminal edit fails as GitHub failing for a while.
      r.failCommentWrites = 1;
      await sandboxSends(d, [pushed(1), complete(2)]);
      const s = d.store.getSession()!;
      expect([s.run, s.status, s.finalCommentPending]).toEqual([1, "completed", true]);
      expect(d.store.timers().map((t) => t.name)).toEqual(expect.arrayContaining(["comment", "next"]));
      // A new request now queues behind the older one instead of jumping ahead.
      expect((await acceptRequest(d, request(3), URL)).outcome).toBe("queued");
    });
    expect(await fire(stub, "comment")).toBe(true);
    await inside(stub, (d, r) => {
      const s = d.store.getSession()!;
      // The final render of run 1 landed in run 1's comment, then run 2 (the older request) started.
      const updates = r.github.filter((c) => c.method === "issues.updateComment");
      expect(String(updates.at(-1)?.params.body)).toMatch(/Done/);
      expect([s.run, s.request.requester.login]).toEqual([2, "user2"]);
    });
  });

  it("finishes a run left in `finishing` by a reset, from the guard timer", async () => {
    const stub = freshSession();
    await inside(stub, async (d) => {
      await acceptRequest(d, request(1), URL);
      await onSandboxConnected(d, 1);
      // As if the object was reset while the PR was being opened: the log has the end, the row says
      // finishing, and the only thing left is the guard timer finishRun wrote.
      d.store.insertEvents(1, [pushed(1), complete(2)]);
      force(d, "finishing");
      for (const t of d.store.timers()) d.store.clearTimer(t.name);
      d.store.setTimer("finish", Date.now() + 300_000);
    });
    expect(await fire(stub, "finish")).toBe(true);
    await inside(stub, (d) => {
      const s = d.store.getSession()!;
      expect([s.status, s.pr?.number]).toEqual(["completed", 99]);
    });
  });

  it("acts on an end that was stored but not acted on, instead of failing the run as silent", async () => {
    const stub = freshSession();
    await inside(stub, async (d) => {
      await acceptRequest(d, request(1), URL);
      await onSandboxConnected(d, 1);
      d.store.insertEvents(1, [pushed(1), complete(2)]);
    });
    expect(await fire(stub, "silence")).toBe(true);
    await inside(stub, (d) => expect(d.store.getSession()!.status).toBe("completed"));
  });

  it("does not watch the sandbox once the run is finishing: a late hello arms no silence", async () => {
    const stub = freshSession();
    await inside(stub, async (d) => {
      await acceptRequest(d, request(1), URL);
      await onSandboxConnected(d, 1);
      force(d, "finishing");
      for (const t of d.store.timers()) d.store.clearTimer(t.name);
      await onSandboxConnected(d, 1);
      await sandboxSends(d, [pushed(1)]);
      expect(d.store.timers().map((t) => t.name)).toEqual([]);
    });
  });

  it("keeps a due timer's row until its handler has run", async () => {
    const stub = freshSession();
    await inside(stub, (d) => {
      d.store.setTimer("silence", Date.now() - 10);
      d.store.setTimer("comment", Date.now() - 10);
      const due = takeDueTimers(d);
      expect(due.map((t) => t.name).sort()).toEqual(["comment", "silence"]);
      // Not handled yet (an object reset here): the silence row is still due; the comment row was
      // taken at once, since an edit asked for during its write must set a new one.
      expect(d.store.timers().map((t) => t.name)).toEqual(["silence"]);
      settleTimers(d, due);
      expect(d.store.timers()).toEqual([]);
    });
  });

  it("retries the last request that ran, not one a stop cancelled before it ran", async () => {
    const stub = freshSession();
    await inside(stub, async (d) => {
      await acceptRequest(d, request(1), URL);
      await acceptRequest(d, request(2), URL);
      await stopSession(d, "x");
      await runCommand(d, "retry", request(7, { task: "retry" }), URL);
      expect(d.store.getSession()!.request.task).toBe("task 1");
    });
  });
});
