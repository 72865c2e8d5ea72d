/**
 * A session behaves like a colleague, on the real stack (workerd, sandbox host, Claude Code, git):
 * a request made while a run is going waits and runs next on the same branch; a comment on the pull
 * request the session opened continues that session (same branch, same PR, new commit); `stop` ends
 * a run with its partial work pushed and the queue cleared; the REST API reports and stops.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ModelScript } from "../../src/demo/model-server.js";
import { type Stack, startStack } from "../../src/demo/start-stack.js";
import { waitFor } from "../../src/demo/wait-for.js";

const ADMIN_TOKEN = "admin-token-for-the-e2e-tests";

/**
 * Each prompt names a file to write (`write <name>`) and, optionally, how long to hold the run
 * afterwards (`then sleep <s>`), so one model serves every run of every session below.
 */
const fileWritingScript: ModelScript = ({ turn, cwd, prompt }) => {
  const name = /write ([a-z0-9-]+\.txt)/.exec(prompt)?.[1] ?? "unnamed.txt";
  const sleep = /then sleep (\d+)/.exec(prompt)?.[1];
  if (turn === 0)
    return {
      blocks: [
        { type: "tool_use", name: "Write", input: { file_path: `${cwd}/${name}`, content: `${name}\n` } },
      ],
    };
  if (turn === 1 && sleep)
    return {
      blocks: [
        {
          type: "tool_use",
          name: "Bash",
          input: {
            // Claude Code refuses a long plain `sleep`; a loop of short ones is an ordinary command.
            command: `for i in $(seq 1 ${Number(sleep) * 5}); do sleep 0.2; done; git status --short`,
            description: "Wait a while",
          },
        },
      ],
    };
  return { blocks: [{ type: "text", text: `Write ${name}\n\nWrote ${name}.` }] };
};

// Several real runs per test, on two cores shared with the rest of the suite.
const RUNS_TIMEOUT_MS = 180_000;

describe("sessions: queue, continuity, stop", { timeout: RUNS_TIMEOUT_MS }, () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      script: fileWritingScript,
      commentIntervalMs: 200,
      vars: { ADMIN_TOKEN, STOP_GRACE_MS: "20000" },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const botComments = (issueNumber: number) =>
    stack.github.state.comments.filter(
      (c) => c.user === stack.github.app.botLogin && c.issueNumber === issueNumber,
    );
  const modelAsked = (file: string) =>
    stack.model.requests.some((r) => JSON.stringify(r.body).includes(`write ${file}`));
  const filesOn = async (branch: string) =>
    (await stack.github.git(stack.owner, stack.repo, "ls-tree", "--name-only", branch)).split("\n");

  it("runs a request made during a run next, on the same branch and PR; a PR comment continues it", async () => {
    const { github, owner, repo } = stack;
    const issue = stack.createIssue("Two files, please");
    await stack.comment("@understudy write first.txt then sleep 3", { issueNumber: issue });
    // The first run is in its agent (the model was asked) when the second request comes.
    await waitFor("the first run's agent", () => modelAsked("first.txt"));
    const second = await stack.comment("@understudy write second.txt", { issueNumber: issue });
    expect(second.response.status).toBe(202);

    // The queued request got its 👀 and shows in the running run's status comment.
    await waitFor("👀 on the queued request", () =>
      github.state.reactions.some((r) => r.commentId === second.commentId && r.content === "eyes"),
    );
    await waitFor("the queue in the status comment", () =>
      botComments(issue)[0]?.body.includes("second.txt"),
    );

    // Both runs end; one PR, both files on its branch, the second commit after the first.
    await waitFor(
      "two finished runs",
      () => botComments(issue).filter((c) => c.body.includes("✅")).length === 2,
    );
    const prs = github.state.pulls.filter((p) => p.head.includes(`/${issue}-`));
    expect(prs).toHaveLength(1);
    const pr = prs[0]!;
    expect(await filesOn(pr.head)).toEqual(expect.arrayContaining(["first.txt", "second.txt"]));
    const log = (await github.git(owner, repo, "log", "--format=%s", `main..${pr.head}`)).split("\n");
    expect(log.findIndex((s) => /second/i.test(s))).toBeLessThan(log.findIndex((s) => /first/i.test(s)));
    // One status comment per run, each where it was asked.
    expect(botComments(issue)).toHaveLength(2);

    // A comment on the PR the session opened continues the session: same branch, same PR.
    const third = await stack.comment("@understudy write third.txt", { issueNumber: pr.number });
    expect(third.response.status).toBe(202);
    await waitFor("the third run's status comment on the PR", () =>
      botComments(pr.number).find((c) => c.body.includes("✅")),
    );
    expect(await filesOn(pr.head)).toEqual(expect.arrayContaining(["first.txt", "second.txt", "third.txt"]));
    expect(github.state.pulls.filter((p) => p.head === pr.head)).toHaveLength(1);
    expect(github.state.pulls).toHaveLength(
      prs.length + github.state.pulls.filter((p) => !p.head.includes(`/${issue}-`)).length,
    );
    // The transcript shows all three runs.
    const transcript = botComments(pr.number)[0]!.body.match(
      /\((http:\/\/127\.0\.0\.1:\d+\/sessions\/[0-9a-f]{64}\?token=[^)\s]+)\)/,
    )?.[1];
    expect(transcript).toBeDefined();
    const html = await (await fetch(transcript!)).text();
    for (const f of ["first.txt", "second.txt", "third.txt"]) expect(html).toContain(f);
    expect(github.unhandled).toEqual([]);
    expect(github.undocumented).toEqual([]);
  });

  it("stops a run: partial work on the branch, a cancelled comment naming who, the queue cleared", async () => {
    const { github } = stack;
    const issue = stack.createIssue("A long job");
    await stack.comment("@understudy write partial.txt then sleep 60", { issueNumber: issue });
    await waitFor("the agent's sleep", () =>
      stack.model.requests.some((r) => r.turn === 1 && JSON.stringify(r.body).includes("write partial.txt")),
    );
    await stack.comment("@understudy write never.txt", { issueNumber: issue });
    await waitFor("the queued request in the comment", () =>
      botComments(issue)[0]?.body.includes("never.txt"),
    );

    const stop = await stack.comment("@understudy stop", { issueNumber: issue, user: "octocat" });
    expect(stop.response.status).toBe(202);
    const final = await waitFor("the cancelled comment", () =>
      botComments(issue).find((c) => /Stopped by @\u200B?octocat/.test(c.body)),
    ).catch((e) => {
      throw new Error(
        `${e}\n${botComments(issue)
          .map((c) => c.body)
          .join("\n-----\n")}`,
      );
    });
    expect(final.body).toMatch(/cleared 1 queued request\b/);
    const branch = `understudy/${issue}-a-long-job`;
    expect(await filesOn(branch)).toContain("partial.txt");
    // The queued request never ran, and no PR was opened for a stopped run.
    expect(modelAsked("never.txt")).toBe(false);
    expect(github.state.pulls.some((p) => p.head === branch)).toBe(false);

    // Stop on an idle session is answered.
    await stack.comment("@understudy stop", { issueNumber: issue });
    await waitFor("the idle answer", () => botComments(issue).some((c) => /Nothing is running/.test(c.body)));
  });

  it("answers the REST API: status, events, a prompt, stop; refuses a bad token or body", async () => {
    const issue = stack.createIssue("Via the API");
    await stack.comment("@understudy write api-one.txt", { issueNumber: issue });
    const done = await waitFor("the first run", () => botComments(issue).find((c) => c.body.includes("✅")));
    const id = done.body.match(/\/sessions\/([0-9a-f]{64})/)?.[1];
    expect(id).toBeDefined();
    const base = `${stack.controlPlane.url}/api/sessions/${id}`;
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };

    expect((await fetch(base)).status).toBe(401);
    expect((await fetch(base, { headers: { authorization: "Bearer wrong-token-wrong-token" } })).status).toBe(
      401,
    );
    const status = (await (await fetch(base, { headers: auth })).json()) as { status: { state: string } };
    expect(status.status.state).toBe("completed");

    const bad = await fetch(`${base}/prompts`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ text: "" }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/text/);
    expect(
      (await fetch(`${base}/prompts`, { method: "POST", headers: auth, body: "{not json" })).status,
    ).toBe(400);

    const idle = await fetch(`${base}/stop`, { method: "POST", headers: auth, body: "{}" });
    expect(idle.status).toBe(409);

    const prompt = await fetch(`${base}/prompts`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ text: "write api-two.txt then sleep 60", author: "alice" }),
    });
    expect(prompt.status).toBe(202);
    expect(((await prompt.json()) as { outcome: string }).outcome).toBe("started");
    await waitFor("the API run's agent", () =>
      // Its file written (the Write call's path is in the next request; a resumed conversation
      // carries run 1's turns too, so the turn number says nothing here).
      stack.model.requests.some((r) => JSON.stringify(r.body).includes("/api-two.txt")),
    );
    const stop = await fetch(`${base}/stop`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ by: "alice" }),
    });
    expect(stop.status).toBe(202);
    await waitFor("the API-stopped run", async () => {
      const s = (await (await fetch(base, { headers: auth })).json()) as { status: { state: string } };
      return s.status.state === "cancelled";
    });
    const events = (await (await fetch(`${base}/events?limit=5`, { headers: auth })).json()) as {
      events: { id: number; run: number }[];
      hasMore: boolean;
      cursor: number;
    };
    expect(events.events).toHaveLength(5);
    expect(events.hasMore).toBe(true);
    const older = (await (
      await fetch(`${base}/events?limit=5&before=${events.cursor}`, { headers: auth })
    ).json()) as {
      events: { id: number }[];
    };
    expect(Math.max(...older.events.map((e) => e.id))).toBeLessThan(events.cursor);
    expect(await filesOn(`understudy/${issue}-via-the-api`)).toContain("api-two.txt");
  });
});
