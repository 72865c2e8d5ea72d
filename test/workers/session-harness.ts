/**
 * A SessionDO in workerd with its two outside parties replaced by recorders: GitHub (every call
 * kept, answered like GitHub would) and the sandbox provider (spawns and stops kept). Everything
 * else — SQLite, the state machine, timers and the alarm — is the real object.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { StartSessionRequest } from "../../src/core/start-session-request.js";
import type { ControlMessage, SandboxSpec } from "../../src/core/wire.js";
import type { GitHubClient, SessionDeps } from "../../worker/session/session-deps.js";
import type { SessionDO } from "../../worker/session/session-do.js";
import { depsOf } from "./support.js";

export type Recorded = {
  github: { method: string; params: Record<string, unknown> }[];
  /** The next this many comment writes (create or update) fail as GitHub failing for a while (502). */
  failCommentWrites: number;
  /** Files of the repository, served by repos.getContent (raw); anything else is a 404. */
  files: Record<string, string>;
  spawned: SandboxSpec[];
  stopped: string[];
  toSandbox: ControlMessage[];
  links: [string, string][];
};

/** Per-object recorders, looked up by the Durable Object's id (the object outlives one callback). */
const recorders = new Map<string, Recorded>();

export function recorderOf(d: SessionDeps): Recorded {
  let r = recorders.get(d.id);
  if (!r) {
    r = { github: [], failCommentWrites: 0, files: {}, spawned: [], stopped: [], toSandbox: [], links: [] };
    recorders.set(d.id, r);
  }
  return r;
}

let nextCommentId = 1000;

/** Replaces GitHub, the provider and the sandbox socket of the object with recorders. */
export function fake(d: SessionDeps, opts: { sandboxConnected?: boolean } = {}): Recorded {
  const r = recorderOf(d);
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
    r.github.push({ method, params });
    if (method === "repos.getContent") {
      const file = r.files[String(params.path)];
      if (file === undefined) throw Object.assign(new Error("Not Found"), { status: 404 });
      return { data: file };
    }
    if (method === "pulls.list") return { data: [] };
    if (method === "pulls.create")
      return { data: { number: 99, html_url: "https://github.com/acme/widgets/pull/99" } };
    return { data: { id: nextCommentId++ } };
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
