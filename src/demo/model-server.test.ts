import { afterEach, describe, expect, it } from "vitest";
import { contributingScript, failingScript, type ModelScript, startModelServer } from "./model-server.js";

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(script: ModelScript) {
  const server = await startModelServer(script);
  servers.push(server);
  return server;
}

const system = {
  role: "system",
  content: [
    {
      type: "text",
      text: "# Environment\n - Primary working directory: /work/some repo\n - Platform: linux",
    },
  ],
};

function post(url: string, body: unknown, path = "/v1/messages?beta=true") {
  return fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Parses an SSE body into [event, data] pairs, checking the framing the real API uses. */
function sse(text: string): [string, Record<string, unknown>][] {
  expect(text.endsWith("\n\n")).toBe(true);
  return text
    .trim()
    .split("\n\n")
    .map((frame) => {
      const [eventLine, dataLine, ...rest] = frame.split("\n");
      expect(rest).toEqual([]);
      expect(eventLine).toMatch(/^event: /);
      expect(dataLine).toMatch(/^data: /);
      const data = JSON.parse(dataLine!.slice("data: ".length)) as Record<string, unknown>;
      expect(data.type).toBe(eventLine!.slice("event: ".length));
      return [data.type as string, data];
    });
}

describe("startModelServer", () => {
  it("streams a scripted turn as Messages API SSE, with the turn and cwd taken from the request", async () => {
    const server = await start(contributingScript());
    const res = await post(server.url, {
      model: "claude-test",
      stream: true,
      messages: [{ role: "user", content: "hi" }, system],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = sse(await res.text());
    expect(events.map(([e]) => e)).toEqual([
      "message_start",
      "ping",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      ...Array(events.length - 9).fill("content_block_delta"),
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events[0]?.[1]).toMatchObject({
      message: { role: "assistant", model: "claude-test", content: [] },
    });
    const toolStart = events[5]?.[1] as { content_block: { type: string; id: string; name: string } };
    expect(toolStart.content_block).toMatchObject({ type: "tool_use", name: "Bash" });
    expect(toolStart.content_block.id).toMatch(/^toolu_/);
    const json = events
      .filter(([e, d]) => e === "content_block_delta" && d.index === 1)
      .map(([, d]) => (d.delta as { partial_json: string }).partial_json)
      .join("");
    expect(JSON.parse(json)).toEqual({
      command: "ls -a && cat package.json 2>/dev/null || true",
      description: "Look at the project",
    });
    expect(events.at(-2)?.[1]).toMatchObject({ delta: { stop_reason: "tool_use" } });
    expect(server.requests[0]).toMatchObject({ turn: 0, cwd: "/work/some repo", stream: true, status: 200 });
  });

  it("passes the last tool results to the script and ends with end_turn after the last tool", async () => {
    const seen: unknown[] = [];
    const server = await start((ctx) => {
      seen.push(ctx);
      return contributingScript()(ctx);
    });
    const messages = [
      { role: "user", content: "hi" },
      system,
      { role: "assistant", content: [{ type: "tool_use", id: "a", name: "Bash", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "a", content: "ok" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "b", name: "Write", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "b", content: "written" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "c", name: "Bash", input: {} }] },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: "c",
            content: [{ type: "text", text: "boom" }],
            is_error: true,
          },
        ],
      },
    ];
    const res = await post(server.url, { model: "m", stream: true, messages });
    const events = sse(await res.text());
    expect(events.at(-2)?.[1]).toMatchObject({ delta: { stop_reason: "end_turn" } });
    expect(seen).toEqual([
      {
        turn: 3,
        cwd: "/work/some repo",
        lastToolResults: [{ id: "c", content: "boom", isError: true }],
        prompt: "hi",
      },
    ]);
  });

  it("answers a non-streaming request with a JSON message", async () => {
    const server = await start(contributingScript());
    const res = await post(server.url, { model: "m", messages: [{ role: "user", content: "hi" }, system] });
    expect(res.headers.get("content-type")).toBe("application/json");
    const message = (await res.json()) as { content: { type: string }[]; stop_reason: string };
    expect(message.content.map((b) => b.type)).toEqual(["text", "tool_use"]);
    expect(message.stop_reason).toBe("tool_use");
  });

  it("answers a scripted failure with the API's error body", async () => {
    const server = await start(failingScript(529, "Overloaded"));
    const res = await post(server.url, { model: "m", stream: true, messages: [] });
    expect(res.status).toBe(529);
    expect(await res.json()).toMatchObject({
      type: "error",
      error: { type: "overloaded_error", message: "Overloaded" },
    });
    expect(server.requests[0]?.status).toBe(529);
    expect(server.unexpected).toEqual([]);
  });

  it("records every other request as unexpected and answers 404", async () => {
    const server = await start(contributingScript());
    const res = await post(server.url, {}, "/v1/messages/count_tokens?beta=true");
    expect(res.status).toBe(404);
    expect((await fetch(`${server.url}/api/hello`)).status).toBe(404);
    expect(server.unexpected).toEqual(["POST /v1/messages/count_tokens?beta=true", "GET /api/hello"]);
    expect(server.requests).toEqual([]);
  });

  it("reports a script that throws", async () => {
    const server = await start(() => {
      throw new Error("no turn 9");
    });
    const res = await post(server.url, { model: "m", stream: true, messages: [] });
    expect(res.status).toBe(500);
    expect(server.unexpected).toEqual(["script threw at turn 0: no turn 9"]);
  });
});
