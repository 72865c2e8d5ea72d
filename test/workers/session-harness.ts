/**
 * A SessionDO in workerd with its two outside parties replaced by recorders: GitHub (every call
 * kept, answered like GitHub would) and the sandbox provider (spawns and stops kept). Everything
 * else — SQLite, the state machine, timers and the alarm — is the real object.
 *
 * Every GitHub call goes through the production request policy (src/github/request-policy.ts), so
 * a fault injected here (a 502, a 403 with `retry-after`, a 404 for a deleted comment) is retried in
 * place, or handed back with its wait, exactly as it would be against GitHub. Time can be simulated
 * (`simulateClock`): the object's clock and the policy's in-place waits then move only as told.
 */

import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Octokit } from "@octokit/core";
import type { Permit } from "../../src/core/circuit-breaker.js";
import type { StartSessionRequest } from "../../src/core/start-session-request.js";
import type { ControlMessage, SandboxSpec } from "../../src/core/wire.js";
import { requestPolicy } from "../../src/github/request-policy.js";
import type { GitHubClient, SessionDeps } from "../../worker/session/session-deps.js";
import type { SessionDO } from "../../worker/session/session-do.js";
import { depsOf } from "./support.js";

/**
 * GitHub answering some calls with a failure, as an Octokit RequestError (status, response headers,
 * message); with no status, a request that got no answer (a network error).
 */
export type GitHubFault = {
  /** The calls it answers: a method name as recorded ("issues.updateComment"), or a pattern. */
  method: string | RegExp;
  status?: number;
  headers?: Record<string, string>;
  message?: string;
  /** How many matching calls it answers; then it is spent. */
  times: number;
};

export type Recorded = {
  /** Every call GitHub answered (successful or not, faults excepted), in order. */
  github: { method: string; params: Record<string, unknown> }[];
  /**
   * The next this many comment writes (create or update) fail as GitHub failing for a while (502),
   * already tagged as the request policy tags it (no in-place retry).
   */
  failCommentWrites: number;
  /** Failures GitHub answers with, through the request policy (see GitHubFault). */
  faults: GitHubFault[];
  /** What GitHub holds: the body of every comment the bot created, by id, as last written. */
  comments: Map<number, string>;
  /** Comments someone deleted: editing one is answered 404, as GitHub does. */
  deleted: Set<number>;
  /** Every comment write GitHub accepted, with the object's clock at the time. */
  writes: { at: number; method: string; id: number; body: string }[];
  /** Waits the request policy spent in place before trying a failed call again. */
  slept: number[];
  /**
   * Runs while a call is with GitHub, before it is answered: what happens meanwhile (the clock moving
   * on, the bridge's events arriving). GitHub answers at once when unset.
   */
  inFlight?: (method: string) => Promise<void> | void;
  /** Files of the repository, served by repos.getContent (raw); anything else is a 404. */
  files: Record<string, string>;
  spawned: SandboxSpec[];
  stopped: string[];
  /** What the provider's circuit breaker answers (allowed when unset), and what it was told. */
  breaker: { answer?: Permit; reports: ({ ok: true } | { ok: false; error: string })[] };
  toSandbox: ControlMessage[];
  links: [string, string][];
};

/** Per-object recorders, looked up by the Durable Object's id (the object outlives one callback). */
const recorders = new Map<string, Recorded>();

export function recorderOf(d: SessionDeps): Recorded {
  let r = recorders.get(d.id);
  if (!r) {
    r = {
      github: [],
      failCommentWrites: 0,
      faults: [],
      comments: new Map(),
      deleted: new Set(),
      writes: [],
      slept: [],
      files: {},
      spawned: [],
      stopped: [],
      breaker: { reports: [] },
      toSandbox: [],
      links: [],
    };
    recorders.set(d.id, r);
  }
  return r;
}

/** As a user deleting it on GitHub: the comment is gone, and editing it is answered 404. */
export function deleteComment(r: Recorded, id: number): void {
  r.comments.delete(id);
  r.deleted.add(id);
}

/** A clock only the test moves. */
export type Clock = { now(): number; set(at: number): void; advance(ms: number): void };

/** Simulated clocks, by object id: the request policy's in-place waits move them. */
const clocks = new Map<string, Clock>();

/**
 * Gives the object a clock only the test moves (its `now`, and the request policy's `now` and
 * waits). It starts a day ahead of real time by default, so no alarm the object sets from it is due
 * for the platform: timers fire only when the test runs the alarm (see lifecycle.test.ts's `fire`).
 */
export function simulateClock(d: SessionDeps, start = Date.now() + 86_400_000): Clock {
  let t = start;
  const clock: Clock = {
    now: () => t,
    set: (at) => {
      t = at;
    },
    advance: (ms) => {
      t += ms;
    },
  };
  (d as { now: () => number }).now = clock.now;
  clocks.set(d.id, clock);
  return clock;
}

let nextCommentId = 1000;

const HTTP_METHOD: Record<string, string> = {
  "issues.createComment": "POST",
  "issues.updateComment": "PATCH",
  "pulls.list": "GET",
  "pulls.create": "POST",
  "pulls.createReplyForReviewComment": "POST",
  "pulls.updateReviewComment": "PATCH",
  "reactions.createForIssueComment": "POST",
  "repos.getContent": "GET",
};

type Request = (options: Record<string, unknown>) => Promise<unknown>;
type Wrap = (request: Request, options: Record<string, unknown>) => Promise<unknown>;

/** The production request policy, as a function over one request (its Octokit hook, taken out). */
function policyFor(d: SessionDeps, r: Recorded): Wrap {
  let wrap: Wrap | undefined;
  const octokit = { hook: { wrap: (_name: string, fn: Wrap) => (wrap = fn) } };
  requestPolicy({
    now: () => d.now(),
    sleep: async (ms) => {
      r.slept.push(ms);
      clocks.get(d.id)?.advance(ms);
    },
  })(octokit as unknown as Octokit);
  if (!wrap) throw new Error("the request policy did not wrap the request hook");
  return wrap;
}

/** A fault matching this call, spent by one; undefined when GitHub answers normally. */
function takeFault(r: Recorded, method: string): GitHubFault | undefined {
  const fault = r.faults.find(
    (f) => f.times > 0 && (typeof f.method === "string" ? f.method === method : f.method.test(method)),
  );
  if (fault) fault.times--;
  return fault;
}

/** As Octokit rejects: a RequestError with status and response headers, or a fetch that failed. */
function requestError(fault: Pick<GitHubFault, "status" | "headers" | "message">): Error {
  if (fault.status === undefined) return new TypeError(fault.message ?? "fetch failed");
  return Object.assign(new Error(fault.message ?? `GitHub answered ${fault.status}`), {
    status: fault.status,
    response: { status: fault.status, headers: fault.headers ?? {} },
  });
}

/** Replaces GitHub, the provider and the sandbox socket of the object with recorders. */
export function fake(d: SessionDeps, opts: { sandboxConnected?: boolean } = {}): Recorded {
  const r = recorderOf(d);
  const policy = policyFor(d, r);
  /** GitHub itself: answers one request (what the policy calls, once per attempt). */
  const answer = (method: string) => async (options: Record<string, unknown>) => {
    await r.inFlight?.(method);
    const fault = takeFault(r, method);
    if (fault) throw requestError(fault);
    const { method: _http, ...params } = options;
    r.github.push({ method, params });
    if (method === "repos.getContent") {
      const file = r.files[String(params.path)];
      if (file === undefined) throw requestError({ status: 404, message: "Not Found" });
      return { data: file };
    }
    if (method === "pulls.list") return { data: [] };
    if (method === "pulls.create")
      return { data: { number: 99, html_url: "https://github.com/acme/widgets/pull/99" } };
    if (method === "issues.updateComment" || method === "pulls.updateReviewComment") {
      const id = Number(params.comment_id);
      if (r.deleted.has(id)) throw requestError({ status: 404, message: "Not Found" });
      r.comments.set(id, String(params.body));
      r.writes.push({ at: d.now(), method, id, body: String(params.body) });
      return { data: { id } };
    }
    const id = nextCommentId++;
    if (method === "issues.createComment" || method === "pulls.createReplyForReviewComment") {
      r.comments.set(id, String(params.body));
      r.writes.push({ at: d.now(), method, id, body: String(params.body) });
    }
    return { data: { id } };
  };
  const call = (method: string) => async (params: Record<string, unknown>) => {
    if (
      method.endsWith("Comment") &&
      method !== "reactions.createForIssueComment" &&
      r.failCommentWrites > 0
    ) {
      r.failCommentWrites--;
      // As the request policy tags a failure worth another try.
      throw Object.assign(new Error("Bad Gateway"), { status: 502, retryAfterMs: 1000 });
    }
    return policy(answer(method), { method: HTTP_METHOD[method] ?? "POST", ...params });
  };
  const client = {
    rest: {
      issues: { createComment: call("issues.createComment"), updateComment: call("issues.updateComment") },
      pulls: {
        list: call("pulls.list"),
        create: call("pulls.create"),
        createReplyForReviewComment: call("pulls.createReplyForReviewComment"),
        updateReviewComment: call("pulls.updateReviewComment"),
      },
      reactions: { createForIssueComment: call("reactions.createForIssueComment") },
      repos: { getContent: call("repos.getContent") },
    },
  } as unknown as GitHubClient;
  const m = d as { -readonly [K in keyof SessionDeps]: SessionDeps[K] };
  m.github = async () => client;
  m.provider = {
    spawn: async (spec) => {
      r.spawned.push(spec);
      return { sandboxId: `sbx-${spec.run}` };
    },
    stop: async (id) => {
      r.stopped.push(id);
    },
  };
  m.breaker = {
    permit: async () => r.breaker.answer ?? { allowed: true, probe: false },
    report: async (outcome) => {
      r.breaker.reports.push(outcome);
    },
  };
  m.toSandbox = (_run, message) => {
    r.toSandbox.push(message);
    return opts.sandboxConnected ?? false;
  };
  m.linkThread = async (thread, key) => {
    r.links.push([thread, key]);
  };
  return r;
}

export function request(n: number, over: Partial<StartSessionRequest> = {}): StartSessionRequest {
  return {
    deliveryId: `delivery-${n}`,
    installationId: 1,
    repo: {
      id: 1,
      owner: "acme",
      name: "widgets",
      cloneUrl: "https://github.com/acme/widgets.git",
      htmlUrl: "https://github.com/acme/widgets",
      defaultBranch: "main",
    },
    issue: { number: 12, title: "Add a greeting file", isPullRequest: false },
    trigger: {
      commentId: 100 + n,
      htmlUrl: `https://github.com/acme/widgets/issues/12#issuecomment-${100 + n}`,
    },
    requester: { login: `user${n}`, id: n },
    task: `task ${n}`,
    prompt: `task ${n}`,
    options: {},
    replyTo: { kind: "conversation" },
    pull: null,
    ...over,
  };
}

/** A fresh, empty session object. */
export const freshSession = (): DurableObjectStub<SessionDO> => env.SESSIONS.get(env.SESSIONS.newUniqueId());

/** Runs `fn` inside the object with its recorders in place. */
export function inside<T>(
  stub: DurableObjectStub<SessionDO>,
  fn: (d: SessionDeps, r: Recorded) => T | Promise<T>,
  opts: { sandboxConnected?: boolean } = {},
): Promise<T> {
  return runInDurableObject(stub, (instance) => {
    const d = depsOf(instance);
    return fn(d, fake(d, opts));
  });
}

/**
 * Makes the timer `name` due now and fires the object's alarm (false when the alarm did not run).
 * `prepare` changes the faked deps the alarm will use (a provider of the test's own).
 */
export async function fire(
  stub: DurableObjectStub<SessionDO>,
  name: string,
  prepare?: (d: SessionDeps) => void,
): Promise<boolean> {
  await inside(stub, async (d) => {
    prepare?.(d);
    d.store.setTimer(name, Date.now() - 1);
    // Far ahead, so that only runDurableObjectAlarm fires it (a past alarm would run on its own).
    await d.ctx.storage.setAlarm(Date.now() + 3_600_000);
  });
  return runDurableObjectAlarm(stub);
}
