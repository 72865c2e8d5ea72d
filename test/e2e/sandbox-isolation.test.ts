/**
 * The sandbox as a repository configures it, on the whole stack (webhook → Worker → SessionDO →
 * sandbox host → bridge → the real Claude Code CLI in bubblewrap → the GitHub stand-in): the
 * `setup` commands of `.github/understudy.yml` run in the sandbox before the agent and show in the
 * transcript; a host not on `network.allow` is refused by the proxy and named in the status comment;
 * a failing setup command ends the run with its output before any model request; and a host run with
 * `--unsafe-no-isolation` says so in every status comment.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionEvent } from "../../src/core/session-event.js";
import type { Event } from "../../src/core/wire.js";
import type { ModelScript } from "../../src/demo/model-server.js";
import { REPO_FILES, type Stack, startStack } from "../../src/demo/start-stack.js";
import { waitFor } from "../../src/demo/wait-for.js";
import { deliverWebhook } from "../../src/demo/webhook.js";

const RUN_MS = 90_000;

/**
 * Run by the agent's Bash tool inside the sandbox: a plain-HTTP request for a host that is not on the
 * allowlist, through the proxy the sandbox's HTTP_PROXY names (see PROBE in bubblewrap.test.ts), then
 * what the setup left in the checkout, then a file for the branch.
 */
const PROBE_COMMAND = [
  `node -e 'require("http").request({ host: "127.0.0.1", port: 3128, path: "http://blocked.example/" }, (r) => { console.log("proxy answered " + r.statusCode); r.resume(); }).on("error", (e) => console.log("proxy error " + e.code)).end()'`,
  "cat .setup-done",
  "echo probed > probe-done.txt",
].join(" && ");

/** Prompts that say `probe` run the probe above; every other prompt writes one file. */
const script: ModelScript = ({ turn, cwd, prompt }) => {
  if (turn === 0) {
    return {
      blocks: [
        /probe/.test(prompt)
          ? {
              type: "tool_use",
              name: "Bash",
              input: { command: PROBE_COMMAND, description: "Try the network" },
            }
          : { type: "tool_use", name: "Write", input: { file_path: `${cwd}/notes.txt`, content: "notes\n" } },
      ],
    };
  }
  return { blocks: [{ type: "text", text: "Add a file\n\nDone." }] };
};

const isFinal = (body: string) => /^### (✅|❌)/mu.test(body);

/** Starts the sessions of one stack: a repository with its own config, an issue, a comment. */
function sessions(stack: () => Stack) {
  async function createRepo(name: string, config: string | null): Promise<void> {
    const { github, owner } = stack();
    const installationId = github.state.installations[0]!.id;
    await github.createRepo({
      owner,
      name,
      installationId,
      files: { ...REPO_FILES, ...(config ? { ".github/understudy.yml": config } : {}) },
    });
    github.setPermission(owner, name, "monalisa", "write");
  }

  /** Comments `body` on a new issue of `repo` as someone with write access; returns the issue. */
  async function ask(repo: string, body: string): Promise<number> {
    const { github, owner, controlPlane, webhookSecret } = stack();
    const issue = github.createIssue({ owner, repo, title: "Check the sandbox", user: owner });
    const comment = github.createIssueComment({
      owner,
      repo,
      issueNumber: issue.number,
      body,
      user: "monalisa",
    });
    const response = await deliverWebhook(`${controlPlane.url}/api/github/webhooks`, {
      name: "issue_comment",
      payload: github.webhookPayload("issue_comment.created", {
        owner,
        repo,
        issueNumber: issue.number,
        commentId: comment.id,
      }),
      secret: webhookSecret,
    });
    expect(response.status).toBe(202);
    return issue.number;
  }

  /** The run's one status comment once it is final. */
  async function finalComment(repo: string, issueNumber: number) {
    const { github } = stack();
    const mine = () =>
      github.state.comments.filter(
        (c) => c.repo === repo && c.issueNumber === issueNumber && c.user === github.app.botLogin,
      );
    const final = await waitFor(
      "the final status comment",
      () => {
        // A reply that is no status comment (a config problem, a refusal) will not turn into one.
        const other = mine().find((c) => !c.body.startsWith("### "));
        if (other) throw new Error(`the bot replied instead of running:\n${other.body}`);
        return mine().find((c) => isFinal(c.body));
      },
      RUN_MS,
    );
    expect(mine()).toHaveLength(1);
    return final;
  }

  /** Every stored event of the session, from the transcript's JSON beside the comment's link. */
  async function transcriptEvents(commentBody: string): Promise<Event[]> {
    const link = /\((http:\/\/127\.0\.0\.1:\d+\/sessions\/[0-9a-f]{64})\?token=([^)\s]+)\)/.exec(commentBody);
    expect(link, commentBody).not.toBeNull();
    const res = await fetch(`${link![1]}/events?token=${link![2]}`, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    const data = (await res.json()) as { events: SessionEvent[] };
    return data.events.map((e) => e.event);
  }

  return { createRepo, ask, finalComment, transcriptEvents };
}

describe("a sandbox configured by the repository, in bubblewrap", { timeout: RUN_MS + 60_000 }, () => {
  let stack: Stack;
  const s = sessions(() => stack);
  beforeAll(async () => {
    stack = await startStack({ script, commentIntervalMs: 200 });
    await s.createRepo(
      "configured",
      "setup:\n  - echo ready > .setup-done\nnetwork:\n  allow:\n    - registry.npmjs.org\n",
    );
    await s.createRepo(
      "broken-setup",
      // Quoted: a plain YAML scalar cannot hold ": ".
      `setup:\n  - echo half-installed > partial-install.txt\n  - "echo 'registry unreachable: E-SETUP-42'; exit 3"\n  - echo never > never.txt\n`,
    );
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("runs setup before the agent, and refuses and reports a host not on the allowlist", async () => {
    const issue = await s.ask("configured", "@understudy probe the network");
    const final = await s.finalComment("configured", issue);

    expect(final.body).toMatch(/^### ✅/mu);
    expect(final.body).toContain(
      "🛡️ Blocked network access to `blocked.example:80`: not on the allowlist (`network.allow` in `.github/understudy.yml` adds hosts).",
    );
    expect(final.body).not.toContain("Not isolated");

    const events = await s.transcriptEvents(final.body);
    const isolation = events.find((e) => e.type === "isolation");
    expect(isolation?.data).toMatchObject({ mode: "bubblewrap" });
    const allowed = isolation?.type === "isolation" ? isolation.data.allowedHosts : [];
    // The model API the agent talks to, then the repository's own hosts.
    expect(allowed).toEqual([new URL(stack.model.url).host, "registry.npmjs.org"]);
    expect(events.filter((e) => e.type === "network_blocked").map((e) => e.data)).toEqual([
      { host: "blocked.example", port: 80 },
    ]);

    // The setup command and its result come before the agent's prompt and its first call.
    const index = (pred: (e: Event) => boolean) => events.findIndex(pred);
    const setupCall = index((e) => e.type === "tool_call" && e.data.callId === "setup-1");
    const setupResult = index((e) => e.type === "tool_result" && e.data.callId === "setup-1");
    // The control plane files the request (with its author) when the run starts; the bridge hands
    // the prompt to the agent only after the setup.
    const prompt = index((e) => e.type === "user_message" && e.data.author === undefined);
    const agentStart = index((e) => e.type === "sandbox_status" && e.data.status === "running_agent");
    const agentCall = index((e) => e.type === "tool_call" && !e.data.callId.startsWith("setup-"));
    expect(events[setupCall]?.data).toMatchObject({
      kind: "shell",
      name: "setup",
      command: "echo ready > .setup-done",
    });
    expect(events[setupResult]?.data).toMatchObject({ isError: false });
    expect(setupCall).toBeGreaterThan(index((e) => e.type === "isolation"));
    expect(setupResult).toBeGreaterThan(setupCall);
    expect(agentStart).toBeGreaterThan(setupResult);
    expect(prompt).toBeGreaterThan(agentStart);
    expect(agentCall).toBeGreaterThan(prompt);

    // Inside, the proxy answered 403, and the setup's file was there for the agent.
    const agentCallId = events[agentCall]?.type === "tool_call" ? events[agentCall].data.callId : "";
    const probe = events.find((e) => e.type === "tool_result" && e.data.callId === agentCallId);
    expect(probe?.data).toMatchObject({ isError: false });
    const output = probe?.type === "tool_result" ? probe.data.output : "";
    expect(output).toContain("proxy answered 403");
    expect(output).toContain("ready");
    const pr = stack.github.state.pulls.find((p) => p.repo === "configured");
    expect(pr).toBeDefined();
    expect(await stack.github.git(stack.owner, "configured", "show", `${pr!.head}:probe-done.txt`)).toBe(
      "probed",
    );
    expect(stack.model.unexpected).toEqual([]);
    expect(stack.github.unhandled).toEqual([]);
  });

  it("ends the run at a failing setup command with its output, before the agent asks the model anything", async () => {
    const requestsBefore = stack.model.requests.length;
    const issue = await s.ask("broken-setup", "@understudy write the notes");
    const final = await s.finalComment("broken-setup", issue);

    expect(final.body).toMatch(/^### ❌/mu);
    const errorBlock = /\*\*Error\*\*\n\n(`{3,})[a-z]*\n([\s\S]*?)\n\1/u.exec(final.body)?.[2];
    expect(errorBlock, final.body).toBeDefined();
    expect(errorBlock).toContain("registry unreachable: E-SETUP-42");
    expect(errorBlock).toContain("exit 3");
    expect(errorBlock).toContain("echo 'registry unreachable: E-SETUP-42'; exit 3");
    expect(stack.model.requests.length).toBe(requestsBefore);
    expect(final.body).toContain("⚠️ Nothing was pushed: no changes from this run were saved.");

    const events = await s.transcriptEvents(final.body);
    expect(events.filter((e) => e.type === "tool_call").map((e) => e.data.callId)).toEqual([
      "setup-1",
      "setup-2",
    ]);
    expect(events.some((e) => e.type === "sandbox_status" && e.data.status === "running_agent")).toBe(false);
    // Nothing of the setup's was pushed as if it were the agent's work, and no PR was opened.
    expect(events.some((e) => e.type === "push_complete" && e.data.pushed)).toBe(false);
    expect(stack.github.state.pulls.filter((p) => p.repo === "broken-setup")).toEqual([]);
    expect(await stack.github.git(stack.owner, "broken-setup", "branch", "--list")).toBe("* main");
    expect(stack.github.unhandled).toEqual([]);
  });
});

describe("a sandbox host run with --unsafe-no-isolation", { timeout: RUN_MS + 60_000 }, () => {
  let stack: Stack;
  const s = sessions(() => stack);
  beforeAll(async () => {
    stack = await startStack({ script, commentIntervalMs: 200, isolation: "none" });
    await s.createRepo("unisolated", null);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("says so in the status comment", async () => {
    const issue = await s.ask("unisolated", "@understudy write the notes");
    const final = await s.finalComment("unisolated", issue);

    expect(final.body).toMatch(/^### ✅/mu);
    expect(final.body).toContain(
      "⚠️ **Not isolated**: this sandbox host runs agents with `--unsafe-no-isolation`, so the agent could read and reach whatever the host can.",
    );
    const events = await s.transcriptEvents(final.body);
    expect(events.find((e) => e.type === "isolation")?.data).toEqual({ mode: "none", allowedHosts: [] });
    expect(stack.github.unhandled).toEqual([]);
  });
});
