import { describe, expect, it } from "vitest";
import { runSessionCommand, sessionIdOf } from "./run-session-command.js";

const ID = "a".repeat(64);

/** A fetch that records the request and answers with `status` and `body`. */
function answering(status: number, body: unknown) {
  const seen: Request[] = [];
  const fetch = async (input: string | URL | Request) => {
    seen.push(input as Request);
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  };
  return { seen, fetch: fetch as typeof globalThis.fetch };
}

describe("understudy status|stop|events", () => {
  it("takes a session id or a transcript link", () => {
    expect(sessionIdOf(ID)).toBe(ID);
    expect(sessionIdOf(`http://127.0.0.1:8787/sessions/${ID}?token=abc`)).toBe(ID);
    expect(sessionIdOf("not-a-session")).toBeNull();
  });

  it("asks the REST API with the admin token and prints the state, step and queue", async () => {
    const api = answering(200, {
      status: {
        state: "running",
        run: 2,
        step: "Run the tests",
        branch: "understudy/12-x",
        pr: { number: 3, url: "https://github.com/a/b/pull/3" },
        queue: [{ author: "alice", text: "add docs" }],
      },
    });
    const r = await runSessionCommand({
      command: "status",
      session: ID,
      url: "http://cp/",
      token: "t".repeat(20),
      fetch: api.fetch,
    });
    expect(r.code).toBe(0);
    expect(r.output).toContain("state: running (run 2)");
    expect(r.output).toContain("step:  Run the tests");
    expect(r.output).toContain("queue: @alice: add docs");
    expect(api.seen[0]?.url).toBe(`http://cp/api/sessions/${ID}`);
    expect(api.seen[0]?.headers.get("authorization")).toBe(`Bearer ${"t".repeat(20)}`);
  });

  it("stops with POST and says what happened, an idle session included", async () => {
    const stopping = answering(202, { outcome: "stopping", run: 1, queueCleared: 2 });
    const r = await runSessionCommand({
      command: "stop",
      session: ID,
      url: "http://cp",
      token: "x".repeat(20),
      fetch: stopping.fetch,
    });
    expect(stopping.seen[0]?.method).toBe("POST");
    expect(stopping.seen[0]?.url).toBe(`http://cp/api/sessions/${ID}/stop`);
    expect(r).toEqual({ code: 0, output: expect.stringMatching(/^stopping: .*\(cleared 2 queued\)$/) });
    const idle = answering(409, { outcome: "idle" });
    expect(
      (
        await runSessionCommand({
          command: "stop",
          session: ID,
          url: "http://cp",
          token: "x".repeat(20),
          fetch: idle.fetch,
        })
      ).output,
    ).toBe("nothing is running");
  });

  it("fails clearly without a token, for a bad id, or when the API refuses", async () => {
    expect(
      (await runSessionCommand({ command: "status", session: ID, url: "http://cp", token: undefined })).code,
    ).toBe(2);
    expect(
      (await runSessionCommand({ command: "status", session: "nope", url: "http://cp", token: "x" })).code,
    ).toBe(2);
    const refused = answering(401, { error: "Unauthorized" });
    expect(
      await runSessionCommand({
        command: "status",
        session: ID,
        url: "http://cp",
        token: "x".repeat(20),
        fetch: refused.fetch,
      }),
    ).toEqual({
      code: 1,
      output: "401: Unauthorized",
    });
  });
});
