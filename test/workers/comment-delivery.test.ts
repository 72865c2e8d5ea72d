/**
 * Delivery of the status comment (issue 8): edits coalesced to one per COMMENT_INTERVAL_MS, the
 * terminal render at once, no identical body twice; GitHub failing (5xx, no answer, secondary rate
 * limits, a deleted comment) delays an edit and never loses the terminal one; every way a run ends
 * leaves the comment in its terminal state.
 *
 * The real SessionDO in workerd, on a simulated clock: every test runs in one callback of the
 * object, moves the clock itself and runs the object's alarm handler (`alarm()`, what the platform
 * calls) at each timer's due time. GitHub is the harness's in-memory one, behind the production
 * request policy, so `retry-after` and `x-ratelimit-reset` are read from response headers as they
 * would be from GitHub's (see session-harness.ts).
 */

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { statusLabel } from "../../src/core/status-label.js";
import type { Event, EventPayload, EventType, SessionStatus } from "../../src/core/wire.js";
import type { Env } from "../../worker/env.js";
import { acceptRequest } from "../../worker/session/accept-request.js";
import { MAX_COMMENT_FAILURES, writeCommentNow } from "../../worker/session/comment.js";
import { onSandboxConnected, onSandboxEvents } from "../../worker/session/lifecycle.js";
import type { SessionDeps } from "../../worker/session/session-deps.js";
import { SessionDO } from "../../worker/session/session-do.js";
import { stopSession } from "../../worker/session/stop-session.js";
import {
  type Clock,
  deleteComment,
  fake,
  freshSession,
  type Recorded,
  request,
  simulateClock,
} from "./session-harness.js";
import { depsOf } from "./support.js";

const URL = "http://understudy.test";
/** wrangler.toml's COMMENT_INTERVAL_MS, the default. */
const INTERVAL = 3_000;
const SECONDARY_LIMIT =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";

type Ctx = {
  d: SessionDeps;
  r: Recorded;
  clock: Clock;
  instance: SessionDO;
  state: DurableObjectState;
  logs: { msg: string; fields?: Record<string, unknown> }[];
  seq: number;
};

/** A fresh session object on a simulated clock, driven from one callback inside it. */
function withSession(fn: (c: Ctx) => Promise<void>, opts: { sandboxConnected?: boolean } = {}) {
  return runInDurableObject(freshSession(), async (instance, state) => {
    const d = depsOf(instance);
    const c: Ctx = { d, r: fake(d, opts), clock: simulateClock(d), instance, state, logs: [], seq: 0 };
    captureLogs(c);
    await fn(c);
  });
}

function captureLogs(c: Ctx) {
  (c.d as { log: SessionDeps["log"] }).log = (msg, fields) => c.logs.push({ msg, fields });
}

/**
 * Moves the clock to `to`, running the object's alarm at each timer's due time on the way, as the
 * platform would. Waits the request policy spends in place move the clock too.
 */
async function until(c: Ctx, to: number) {
  for (let fired = 0; ; fired++) {
    if (fired > 10_000) throw new Error("the alarm keeps firing: a timer is set again at or before now");
    const next = c.d.store.timers()[0];
    if (!next || next.due > to) break;
    c.clock.set(Math.max(c.clock.now(), next.due));
    await c.instance.alarm();
  }
  if (c.clock.now() < to) c.clock.set(to);
}
const wait = (c: Ctx, ms: number) => until(c, c.clock.now() + ms);

/** Lets time pass to `to` with the bridge's heartbeats coming in, so the sandbox is not lost meanwhile. */
async function heartbeatsUntil(c: Ctx, to: number) {
  while (c.clock.now() < to) {
    await send(c, [ev(c, "heartbeat", {})]);
    await until(c, Math.min(to, c.clock.now() + 60_000));
  }
}
/** Lets the object's own promises run until `test` holds (bounded). */
async function waitUntil(test: () => boolean) {
  for (let i = 0; i < 200 && !test(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(test()).toBe(true);
}

const timerDue = (c: Ctx, name: string) => c.d.store.timers().find((t) => t.name === name)?.due;

function ev<T extends EventType>(c: Ctx, type: T, data: EventPayload<T>): Event {
  return { seq: ++c.seq, type, at: new Date(c.clock.now()).toISOString(), data } as Event;
}
const text = (c: Ctx, t: string) => ev(c, "assistant_text", { text: t });
const pushed = (c: Ctx) =>
  ev(c, "push_complete", {
    branch: "understudy/12-add-a-greeting-file",
    sha: "abc",
    commitsAhead: 1,
    pushed: true,
  });
const complete = (c: Ctx, success: boolean, error?: string) =>
  ev(c, "execution_complete", success ? { success, summary: "Added the greeting." } : { success, error });

/** What the sandbox socket does with a batch: store it, then let the lifecycle react to what was new. */
async function send(c: Ctx, events: Event[]) {
  const fresh = c.d.store.insertEvents(c.d.store.getSession()!.run, events);
  await onSandboxEvents(
    c.d,
    fresh.map((e) => e.event),
  );
}

/** The body GitHub holds for the run's status comment. */
const held = (c: Ctx) => {
  const id = c.d.store.getSession()?.commentId;
  return id == null ? undefined : c.r.comments.get(id);
};
const headline = (body: string | undefined) => body?.split("\n", 1)[0] ?? "";
const WORKING = statusLabel("running").text;

function expectTerminal(body: string | undefined, status: SessionStatus) {
  const { icon, text: words } = statusLabel(status);
  expect(headline(body)).toContain(`${icon} ${words}`);
  expect(headline(body)).not.toContain(WORKING);
}

/** Writes of the status comment GitHub was asked for (accepted or not). */
const commentCalls = (c: Ctx) =>
  c.r.github.filter((g) =>
    /^(issues\.(create|update)Comment|pulls\.(createReply|update)\w*Comment)$/.test(g.method),
  );

/** A run whose agent is working, with a "Working…" edit landed on GitHub just now. */
async function startRunning(c: Ctx) {
  await acceptRequest(c.d, request(1), URL);
  await onSandboxConnected(c.d, 1);
  await send(c, [ev(c, "sandbox_status", { status: "running_agent" })]);
  await wait(c, INTERVAL);
  expect(headline(held(c))).toContain(WORKING);
}

/** When the run reached `status` (its session_status event, stamped by the control plane's clock). */
function reachedAt(c: Ctx, status: SessionStatus): number {
  const e = c.d.store
    .events(c.d.store.getSession()!.run)
    .find((x) => x.type === "session_status" && x.data.status === status);
  expect(e, `the run reached ${status}`).toBeDefined();
  return Date.parse(e!.at);
}

/** The terminal render landed within a second of the end: asserted for every path below. */
function expectFinalPromptly(c: Ctx, status: SessionStatus) {
  expectTerminal(held(c), status);
  const id = c.d.store.getSession()!.commentId;
  const last = c.r.writes.filter((w) => w.id === id).at(-1)!;
  expect(last.body).toBe(held(c));
  expect(last.at - reachedAt(c, status)).toBeLessThanOrEqual(1_000);
  expect(c.d.store.getSession()!.finalCommentPending).toBe(false);
}

describe("coalescing", () => {
  /** `count` events spread evenly over `durationMs` of a running run; returns the edits made meanwhile. */
  async function feed(c: Ctx, count: number, durationMs: number) {
    const start = c.clock.now();
    const before = c.r.writes.length;
    for (let i = 1; i <= count; i++) {
      await until(c, start + Math.round((i * durationMs) / count));
      await send(c, [text(c, `event ${i}`)]);
    }
    await until(c, start + durationMs);
    return c.r.writes.slice(before);
  }

  const gaps = (writes: { at: number }[]) => writes.slice(1).map((w, i) => w.at - writes[i]!.at);

  it("makes one edit per interval however many events come: 1,000 and 10,000 events, the same edits", async () => {
    const DURATION = 60_000;
    const bound = DURATION / INTERVAL;
    const edits: number[] = [];
    for (const count of [1_000, 10_000]) {
      await withSession(async (c) => {
        await startRunning(c);
        const writes = await feed(c, count, DURATION);
        expect(writes.every((w) => w.method === "issues.updateComment")).toBe(true);
        expect(writes.length).toBeLessThanOrEqual(bound + 2);
        // Not silent either: the comment follows the run.
        expect(writes.length).toBeGreaterThanOrEqual(bound - 2);
        expect(Math.min(...gaps(writes))).toBeGreaterThanOrEqual(INTERVAL);
        expect(held(c)).toMatch(/event \d+/);
        edits.push(writes.length);
      });
    }
    // Ten times the events, the same number of edits.
    expect(Math.abs(edits[1]! - edits[0]!)).toBeLessThanOrEqual(1);
  }, 120_000);

  it("keeps to one edit per interval when events arrive while an edit is with GitHub", async () => {
    await withSession(async (c) => {
      await startRunning(c);
      let meanwhile = 0;
      c.r.inFlight = async (method) => {
        if (method !== "issues.updateComment") return;
        // GitHub takes a moment to answer, and the bridge goes on meanwhile.
        c.clock.advance(300);
        await send(c, [text(c, `meanwhile ${++meanwhile}`)]);
      };
      const writes = await feed(c, 600, 60_000);
      expect(meanwhile).toBeGreaterThan(0);
      expect(writes.length).toBeLessThanOrEqual(60_000 / INTERVAL + 2);
      expect(Math.min(...gaps(writes))).toBeGreaterThanOrEqual(INTERVAL);
    });
  });

  it("follows COMMENT_INTERVAL_MS when it is configured", async () => {
    await withSession(async (c) => {
      await startRunning(c);
      c.d.config.COMMENT_INTERVAL_MS = 10_000;
      const writes = await feed(c, 600, 60_000);
      expect(writes.length).toBeLessThanOrEqual(60_000 / 10_000 + 1);
      expect(writes.length).toBeGreaterThanOrEqual(60_000 / 10_000 - 1);
      expect(Math.min(...gaps(writes))).toBeGreaterThanOrEqual(10_000);
    });
  });

  it("writes the terminal render at once, not at the next interval", async () => {
    await withSession(async (c) => {
      await startRunning(c);
      // An edit just landed: a coalesced one would wait a whole interval.
      await send(c, [text(c, "almost there")]);
      expect(timerDue(c, "comment")).toBe(c.clock.now() + INTERVAL);
      await send(c, [pushed(c), complete(c, true)]);
      expectFinalPromptly(c, "completed");
      expect(c.r.writes.at(-1)!.at).toBe(c.clock.now());
      expect(timerDue(c, "comment")).toBeUndefined();
    });
  });

  it("never sends a body identical to the last one GitHub accepted", async () => {
    await withSession(async (c) => {
      await startRunning(c);
      const calls = commentCalls(c).length;
      // Nothing changed since the last edit (same events, same moment): nothing is sent.
      await writeCommentNow(c.d);
      await writeCommentNow(c.d);
      expect(commentCalls(c)).toHaveLength(calls);
      await send(c, [pushed(c), complete(c, true)]);
      expect(commentCalls(c)).toHaveLength(calls + 1);
      // A finished run's render does not tick on: asked again, later, it is the same and not sent.
      await wait(c, 60_000);
      await writeCommentNow(c.d);
      await c.instance.alarm();
      expect(commentCalls(c)).toHaveLength(calls + 1);
      expectFinalPromptly(c, "completed");
    });
  });
});

describe("GitHub failing", () => {
  it("retries a 5xx and a request that got no answer from the alarm, with growing waits, until the edit lands", async () => {
    await withSession(async (c) => {
      await startRunning(c);
      // Three rounds of 502 (four attempts in place each), then two of a network failure.
      c.r.faults.push({ method: "issues.updateComment", status: 502, message: "Bad Gateway", times: 12 });
      c.r.faults.push({ method: "issues.updateComment", message: "fetch failed", times: 8 });
      await send(c, [text(c, "the edit that has to get through")]);
      await wait(c, INTERVAL);
      const waits: number[] = [];
      for (let round = 1; round <= 5; round++) {
        const due = timerDue(c, "comment");
        expect(due, `round ${round} is retried from the alarm`).toBeDefined();
        waits.push(due! - c.clock.now());
        expect(c.d.store.getSession()!.commentFailures).toBe(round);
        await until(c, due!);
      }
      // Each round tried in place first, with the policy's backoff...
      expect(c.r.slept).toEqual(Array(5).fill([500, 1_000, 2_000]).flat());
      // ...then from the alarm, waiting longer as the failures go on.
      for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThanOrEqual(waits[i - 1]!);
      expect(waits.at(-1)!).toBeGreaterThan(waits[0]!);
      expect(held(c)).toContain("the edit that has to get through");
      expect(c.d.store.getSession()!.commentFailures).toBe(0);
      expect(timerDue(c, "comment")).toBeUndefined();
    });
  });

  it.each([403, 429])(
    "waits at least retry-after on a %i secondary rate limit, whatever happens meanwhile",
    async (status) => {
      await withSession(async (c) => {
        await startRunning(c);
        c.r.faults.push({
          method: "issues.updateComment",
          status,
          headers: { "retry-after": "120" },
          message: SECONDARY_LIMIT,
          times: 1,
        });
        await send(c, [text(c, "first try refused")]);
        await wait(c, INTERVAL);
        const refusedAt = c.clock.now();
        // Two minutes are not spent holding the object: the wait goes to the alarm.
        expect(c.r.slept).toEqual([]);
        expect(timerDue(c, "comment")).toBeGreaterThanOrEqual(refusedAt + 120_000);
        const calls = commentCalls(c).length;
        for (let i = 0; i < 20; i++) {
          await send(c, [text(c, `meanwhile ${i}`)]);
          await wait(c, 5_000);
        }
        await until(c, refusedAt + 119_999);
        expect(commentCalls(c)).toHaveLength(calls);
        await until(c, timerDue(c, "comment")!);
        expect(commentCalls(c)).toHaveLength(calls + 1);
        expect(held(c)).toContain("meanwhile 19");
      });
    },
  );

  it("waits until x-ratelimit-reset when the rate limit is used up (x-ratelimit-remaining: 0)", async () => {
    await withSession(async (c) => {
      await startRunning(c);
      const reset = Math.floor(c.clock.now() / 1000) + 300;
      c.r.faults.push({
        method: "issues.updateComment",
        status: 403,
        headers: {
          "x-ratelimit-limit": "5000",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(reset),
        },
        message: "API rate limit exceeded for installation ID 1.",
        times: 1,
      });
      await send(c, [text(c, "over the limit")]);
      await wait(c, INTERVAL);
      const due = timerDue(c, "comment")!;
      expect(due).toBeGreaterThanOrEqual(reset * 1000);
      expect(due).toBeLessThanOrEqual(reset * 1000 + 2_000);
      const calls = commentCalls(c).length;
      await heartbeatsUntil(c, reset * 1000 - 1);
      expect(commentCalls(c)).toHaveLength(calls);
      await until(c, due);
      expect(held(c)).toContain("over the limit");
    });
  });

  it("waits in place for a reset a few seconds away, and writes only once it has passed", async () => {
    await withSession(async (c) => {
      await startRunning(c);
      const reset = Math.floor(c.clock.now() / 1000) + 5;
      c.r.faults.push({
        method: "issues.updateComment",
        status: 403,
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
        message: "API rate limit exceeded for installation ID 1.",
        times: 1,
      });
      await send(c, [text(c, "just over the limit")]);
      await wait(c, INTERVAL);
      expect(c.r.slept).toHaveLength(1);
      const landed = c.r.writes.at(-1)!;
      expect(landed.body).toContain("just over the limit");
      expect(landed.at).toBeGreaterThanOrEqual(reset * 1000);
    });
  });

  it("recreates a comment someone deleted, once; deleted again, it stops writing and says so once", async () => {
    await withSession(async (c) => {
      await startRunning(c);
      const first = c.d.store.getSession()!.commentId!;
      deleteComment(c.r, first);
      await send(c, [text(c, "after the first deletion")]);
      await wait(c, INTERVAL);
      const second = c.d.store.getSession()!.commentId!;
      expect(second).not.toBe(first);
      expect(c.r.comments.get(second)).toContain("after the first deletion");
      expect(c.logs.filter((l) => /deleted/.test(l.msg))).toHaveLength(1);

      deleteComment(c.r, second);
      await send(c, [text(c, "after the second deletion")]);
      await wait(c, INTERVAL);
      const calls = commentCalls(c).length;
      // The run goes on, edits come due, and the run ends: GitHub is not asked again.
      for (let i = 0; i < 10; i++) {
        await send(c, [text(c, `later ${i}`)]);
        await wait(c, INTERVAL);
      }
      await send(c, [pushed(c), complete(c, true)]);
      await wait(c, 60_000);
      expect(commentCalls(c)).toHaveLength(calls);
      expect(c.r.github.filter((g) => g.method === "issues.createComment")).toHaveLength(2);
      const s = c.d.store.getSession()!;
      expect([s.status, s.finalCommentPending]).toEqual(["completed", false]);
      // Said once, in the log and in the run's events, not once per edit.
      const gaveUp = c.logs.filter((l) => /deleted/.test(l.msg));
      expect(gaveUp).toHaveLength(2);
      expect(gaveUp[1]!.msg).toMatch(/again/);
      const errors = c.d.store.events(1).filter((e) => e.type === "error");
      expect(errors).toHaveLength(1);
      expect(errors[0]!.data).toMatchObject({ message: expect.stringMatching(/deleted/) });
    });
  });

  it("sends the terminal render at once while a running edit waits out a rate limit", async () => {
    await withSession(async (c) => {
      await startRunning(c);
      c.r.faults.push({
        method: "issues.updateComment",
        status: 403,
        headers: { "retry-after": "600" },
        message: SECONDARY_LIMIT,
        times: 1,
      });
      await send(c, [text(c, "refused")]);
      await wait(c, INTERVAL);
      expect(timerDue(c, "comment")).toBeGreaterThanOrEqual(c.clock.now() + 600_000);
      await wait(c, 5_000);
      await send(c, [pushed(c), complete(c, true)]);
      expectFinalPromptly(c, "completed");
      expect(timerDue(c, "comment")).toBeUndefined();
    });
  });

  it("retries a rate-limited terminal render when GitHub asks, not after the backoff running edits built up", async () => {
    await withSession(async (c) => {
      await startRunning(c);
      // GitHub fails for a while: five rounds of running edits fail, and their backoff grows.
      c.r.faults.push({ method: "issues.updateComment", status: 502, message: "Bad Gateway", times: 20 });
      await send(c, [text(c, "refused for a while")]);
      await wait(c, INTERVAL);
      for (let round = 1; round < 5; round++) await until(c, timerDue(c, "comment")!);
      expect(c.d.store.getSession()!.commentFailures).toBe(5);
      // The run ends; its terminal render is rate-limited with a wait of two seconds.
      c.r.faults.push({
        method: "issues.updateComment",
        status: 403,
        headers: { "retry-after": "2" },
        message: SECONDARY_LIMIT,
        times: 4,
      });
      await send(c, [pushed(c), complete(c, true)]);
      const endedAt = c.clock.now();
      expect(c.d.store.getSession()!.status).toBe("completed");
      const due = timerDue(c, "comment")!;
      // Two seconds were spent in place (and refused again): the next try is two seconds on, not a minute.
      expect(due - c.clock.now()).toBeLessThanOrEqual(2_000);
      await until(c, endedAt + 10_000);
      expectTerminal(held(c), "completed");
      expect(c.r.writes.at(-1)!.at - endedAt).toBeLessThanOrEqual(10_000);
    });
  });
});

describe("a long outage", () => {
  it("gives the terminal render a full budget of attempts, whatever the running edits used up", async () => {
    await withSession(async (c) => {
      await startRunning(c);
      // GitHub fails for about a quarter of an hour: every running edit fails, one short of giving up.
      c.r.faults.push({ method: "issues.updateComment", status: 502, message: "Bad Gateway", times: 10_000 });
      await send(c, [text(c, "refused for a long while")]);
      await wait(c, INTERVAL);
      for (
        let round = 0;
        round < 40 && c.d.store.getSession()!.commentFailures < MAX_COMMENT_FAILURES - 1;
        round++
      ) {
        await send(c, [ev(c, "heartbeat", {})]);
        await until(c, timerDue(c, "comment")!);
      }
      expect(c.d.store.getSession()!.commentFailures).toBe(MAX_COMMENT_FAILURES - 1);
      expect(headline(held(c))).toContain(WORKING);
      // The run ends while GitHub still fails for two more rounds (each round retries in place too).
      c.r.faults.splice(0);
      c.r.faults.push({ method: "issues.updateComment", status: 502, message: "Bad Gateway", times: 8 });
      await send(c, [pushed(c), complete(c, true)]);
      expect(headline(held(c))).toContain(WORKING);
      expect(c.d.store.getSession()!.status).toBe("completed");
      await until(c, c.clock.now() + 10 * 60_000);
      expectTerminal(held(c), "completed");
    });
  });
});

describe("every way a run ends leaves the comment in its terminal state", () => {
  const silence = (c: Ctx) => c.d.config.SANDBOX_SILENCE_MS;

  const paths: {
    name: string;
    status: SessionStatus;
    connected?: boolean;
    end: (c: Ctx) => Promise<unknown>;
  }[] = [
    { name: "success", status: "completed", end: (c) => send(c, [pushed(c), complete(c, true)]) },
    {
      name: "agent error (execution_complete success: false)",
      status: "failed",
      end: (c) => send(c, [complete(c, false, "The agent failed: the tests do not pass")]),
    },
    {
      name: "agent crash, reported by the bridge",
      status: "failed",
      end: (c) =>
        send(c, [
          ev(c, "error", { message: "The bridge failed: the agent exited with code 137" }),
          complete(c, false, "The bridge failed: the agent exited with code 137"),
        ]),
    },
    {
      name: "agent crash, the bridge exits without a word more",
      status: "failed",
      end: async (c) => {
        await send(c, [ev(c, "sandbox_status", { status: "exited" })]);
        await wait(c, silence(c) + 1_000);
      },
    },
    { name: "sandbox lost (silence)", status: "failed", end: (c) => wait(c, silence(c) + 1_000) },
    {
      name: "time limit",
      status: "failed",
      end: async (c) => {
        // Heartbeats keep the sandbox from looking lost until the run's cap.
        while (c.d.store.getSession()!.status === "running") {
          await send(c, [ev(c, "heartbeat", {})]);
          await wait(c, 60_000);
        }
      },
    },
    {
      name: "stop, the bridge saves the work",
      status: "cancelled",
      connected: true,
      end: async (c) => {
        await stopSession(c.d, "maintainer");
        await wait(c, 10_000);
        await send(c, [pushed(c), complete(c, false, "Stopped")]);
      },
    },
    {
      name: "stop, the bridge does not answer within the grace period",
      status: "cancelled",
      connected: true,
      end: async (c) => {
        await stopSession(c.d, "maintainer");
        await wait(c, c.d.config.STOP_GRACE_MS + 1_000);
      },
    },
  ];

  it.each(paths)("$name", async ({ status, connected, end }) => {
    await withSession(
      async (c) => {
        await startRunning(c);
        await end(c);
        expect(c.d.store.getSession()!.status).toBe(status);
        expectFinalPromptly(c, status);
      },
      { sandboxConnected: connected },
    );
  });

  it("sandbox never connected", async () => {
    await withSession(async (c) => {
      await acceptRequest(c.d, request(1), URL);
      expect(headline(held(c))).toContain(statusLabel("provisioning").text);
      await wait(c, c.d.config.SANDBOX_CONNECT_MS + 1_000);
      expect(c.d.store.getSession()!.status).toBe("failed");
      expectFinalPromptly(c, "failed");
    });
  });

  it("the provider could not start a sandbox", async () => {
    await withSession(async (c) => {
      (c.d as { provider: SessionDeps["provider"] }).provider = {
        spawn: async () => {
          throw new Error("the sandbox host is not reachable");
        },
        stop: async () => {},
      };
      await acceptRequest(c.d, request(1), URL);
      expectFinalPromptly(c, "failed");
    });
  });

  /** The object as a control-plane restart leaves it: a new instance, its storage and alarm kept. */
  async function restart(c: Ctx) {
    const now = c.clock.now();
    const reborn = new SessionDO(c.state, env as unknown as Env);
    // Its constructor migrates the schema under blockConcurrencyWhile; let that finish.
    await c.state.blockConcurrencyWhile(async () => {});
    c.instance = reborn;
    c.d = depsOf(reborn);
    c.r = fake(c.d);
    c.clock = simulateClock(c.d, now);
    captureLogs(c);
  }

  it("control-plane restart mid-run: the sandbox is not heard again", async () => {
    await withSession(async (c) => {
      await startRunning(c);
      await send(c, [text(c, "before the restart")]);
      const old = c.d;
      await restart(c);
      expect(c.d).not.toBe(old);
      await wait(c, silence(c) + 1_000);
      expect(c.d.store.getSession()!.status).toBe("failed");
      expectFinalPromptly(c, "failed");
    });
  });

  it("control-plane restart while the terminal render is with GitHub: the alarm writes it", async () => {
    await withSession(async (c) => {
      await startRunning(c);
      // The terminal write never comes back: the object is reset while it is in flight.
      let ended = false;
      c.r.inFlight = (method) =>
        ended && method === "issues.updateComment" ? new Promise<void>(() => {}) : undefined;
      ended = true;
      void send(c, [pushed(c), complete(c, true)]);
      await waitUntil(() => c.d.store.getSession()!.status === "completed");
      expect(headline(held(c))).toContain(WORKING);
      await restart(c);
      c.r.inFlight = undefined;
      await wait(c, 60_000);
      expectTerminal(held(c), "completed");
      expect(c.d.store.getSession()!.finalCommentPending).toBe(false);
      expect(timerDue(c, "comment")).toBeUndefined();
    });
  });

  it("a quiet run, only heartbeats for ten minutes, makes no edit", async () => {
    await withSession(async (c) => {
      await startRunning(c);
      const before = c.r.writes.length;
      for (let i = 0; i < 40; i++) {
        await send(c, [ev(c, "heartbeat", {})]);
        await wait(c, 15_000);
      }
      expect(c.r.writes.length).toBe(before);
    });
  });

  it("spaces the edits of an old run wider: about 85 in an hour of steady events, not 1,200", async () => {
    await withSession(async (c) => {
      await startRunning(c);
      const before = c.r.writes.length;
      for (let i = 0; i < 3600; i++) {
        await send(c, [text(c, `step ${i}`)]);
        await wait(c, 1_000);
      }
      const edits = c.r.writes.length - before;
      expect(edits).toBeGreaterThan(60);
      expect(edits).toBeLessThanOrEqual(100);
    });
  });

  it("control-plane restart while the terminal render waits out a rate limit", async () => {
    await withSession(async (c) => {
      await startRunning(c);
      c.r.faults.push({
        method: "issues.updateComment",
        status: 429,
        headers: { "retry-after": "30" },
        message: SECONDARY_LIMIT,
        times: 1,
      });
      await send(c, [pushed(c), complete(c, true)]);
      const endedAt = c.clock.now();
      expect(c.d.store.getSession()!.finalCommentPending).toBe(true);
      expect(headline(held(c))).toContain(WORKING);
      await restart(c);
      await wait(c, 60_000);
      expectTerminal(held(c), "completed");
      expect(c.r.writes.at(-1)!.at - endedAt).toBeGreaterThanOrEqual(30_000);
      expect(c.r.writes.at(-1)!.at - endedAt).toBeLessThanOrEqual(31_000);
      expect(c.d.store.getSession()!.finalCommentPending).toBe(false);
    });
  });
});
