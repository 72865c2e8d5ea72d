import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  addFilePatch,
  execCommandScript,
  failingResponsesScript,
  type ResponsesScript,
  type ResponsesScriptContext,
  startResponsesServer,
} from "./responses-server.js";

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(script: ResponsesScript) {
  const server = await startResponsesServer(script);
  servers.push(server);
  return server;
}

/** The first four input items of a real `codex exec` request (0.169.0), texts shortened. */
const context = [
  { type: "message", role: "developer", content: [{ type: "input_text", text: "You are Codex…" }] },
  { type: "message", role: "developer", content: [{ type: "input_text", text: "<permissions …>" }] },
  {
    type: "message",
    role: "user",
    content: [
      {
        type: "input_text",
        text: "<environment_context>\n  <cwd>/work/some repo</cwd>\n  <shell>bash</shell>\n</environment_context>",
      },
    ],
  },
  { type: "message", role: "user", content: [{ type: "input_text", text: "make the change" }] },
];

function post(url: string, body: unknown, path = "/responses", headers: Record<string, string> = {}) {
  return fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
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

describe("startResponsesServer", () => {
  it("streams text and an apply_patch call as Responses API SSE, the turn and cwd taken from the request", async () => {
    const patch = addFilePatch("NOTES.md", "hello\nworld\n");
    const server = await start(() => ({
      items: [
        { type: "text", text: "Writing it." },
        { type: "apply_patch", patch },
      ],
    }));
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const res = await post(server.url, { model: "gpt-test", stream: true, input: context });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = sse(await res.text());
    expect(events.map(([e]) => e)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      ...Array(events.length - 12).fill("response.custom_tool_call_input.delta"),
      "response.custom_tool_call_input.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map(([, d]) => d.sequence_number)).toEqual(events.map((_, i) => i));

    const done = events.filter(([e]) => e === "response.output_item.done").map(([, d]) => d.item);
    expect(done[0]).toMatchObject({
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: "Writing it." }],
    });
    expect(done[1]).toMatchObject({ type: "custom_tool_call", name: "apply_patch", input: patch });
    const deltas = events
      .filter(([e]) => e === "response.custom_tool_call_input.delta")
      .map(([, d]) => d.delta)
      .join("");
    expect(deltas).toBe(patch);

    const completed = events.at(-1)?.[1].response as Record<string, unknown>;
    expect(completed).toMatchObject({ status: "completed", model: "gpt-test", output: done });
    expect(completed.usage).toMatchObject({
      input_tokens: expect.any(Number),
      output_tokens: expect.any(Number),
    });
    expect(server.requests[0]).toMatchObject({
      method: "POST",
      url: "/v1/responses",
      turn: 0,
      cwd: "/work/some repo",
      stream: true,
      status: 200,
    });
    expect(server.unexpected).toEqual([]);
  });

  it("streams an exec_command function call with its arguments as JSON", async () => {
    const server = await start(execCommandScript("cat NOTES.md"));
    const events = sse(await (await post(server.url, { model: "m", stream: true, input: context })).text());
    const call = events.find(([e]) => e === "response.output_item.done")?.[1].item as Record<string, unknown>;
    expect(call).toMatchObject({ type: "function_call", name: "exec_command" });
    expect(String(call.call_id)).toMatch(/^call_/);
    expect(JSON.parse(String(call.arguments))).toEqual({ cmd: "cat NOTES.md" });
    const args = events
      .filter(([e]) => e === "response.function_call_arguments.delta")
      .map(([, d]) => d.delta)
      .join("");
    expect(args).toBe(call.arguments);
  });

  it("passes the turn, the last tool outputs and the prompt to the script", async () => {
    const seen: ResponsesScriptContext[] = [];
    const server = await start((ctx) => {
      seen.push(ctx);
      return { items: [{ type: "text", text: "Done." }] };
    });
    const input = [
      ...context,
      // Turn 0: text and a patch; turn 1: two parallel commands, answered together.
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "Writing it." }] },
      { type: "custom_tool_call", call_id: "a", name: "apply_patch", input: "…" },
      { type: "custom_tool_call_output", call_id: "a", output: "Exit code: 0\nSuccess." },
      { type: "reasoning", summary: [] },
      { type: "function_call", call_id: "b", name: "exec_command", arguments: "{}" },
      { type: "function_call", call_id: "c", name: "exec_command", arguments: "{}" },
      { type: "function_call_output", call_id: "b", output: "one" },
      { type: "function_call_output", call_id: "c", output: [{ type: "input_text", text: "two" }] },
    ];
    const res = await post(server.url, { model: "m", stream: true, input });
    await res.text();
    expect(seen).toEqual([
      {
        turn: 2,
        cwd: "/work/some repo",
        lastToolOutputs: [
          { callId: "b", output: "one" },
          { callId: "c", output: "two" },
        ],
        prompt: "make the change",
      },
    ]);
  });

  it("answers a non-streaming request with the response as JSON", async () => {
    const server = await start(execCommandScript("ls"));
    const res = await post(server.url, { model: "m", input: context });
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as { object: string; output: { type: string }[] };
    expect(body.object).toBe("response");
    expect(body.output.map((o) => o.type)).toEqual(["function_call"]);
  });

  it("answers a scripted failure with the API's error body", async () => {
    const server = await start(failingResponsesScript(500, "Internal server error"));
    const res = await post(server.url, { model: "m", stream: true, input: context });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: { message: "Internal server error", type: "server_error", param: null, code: null },
    });
    expect(server.requests[0]?.status).toBe(500);
    expect(server.unexpected).toEqual([]);
  });

  it("records every other request as unexpected and answers 404", async () => {
    const server = await start(execCommandScript("ls"));
    expect((await post(server.url, {}, "/chat/completions")).status).toBe(404);
    expect((await fetch(`${server.url}/models`)).status).toBe(404);
    expect(server.unexpected).toEqual(["POST /v1/chat/completions", "GET /v1/models"]);
    expect(server.requests).toEqual([]);
  });

  it("records a tunnel asked of it as a proxy, and refuses it", async () => {
    const server = await start(execCommandScript("ls"));
    const { port } = new URL(server.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () =>
        socket.write("CONNECT api.github.com:443 HTTP/1.1\r\nHost: api.github.com:443\r\n\r\n"),
      );
      let text = "";
      socket.on("data", (chunk) => {
        text += String(chunk);
      });
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(server.unexpected).toEqual(["CONNECT api.github.com:443"]);
  });

  it("refuses a compressed body rather than guess at it", async () => {
    const server = await start(execCommandScript("ls"));
    const res = await post(server.url, { input: context }, "/responses", { "content-encoding": "zstd" });
    expect(res.status).toBe(415);
    expect(server.unexpected).toEqual(["POST /v1/responses with content-encoding zstd"]);
  });

  it("reports a script that throws", async () => {
    const server = await start(() => {
      throw new Error("no turn 9");
    });
    const res = await post(server.url, { model: "m", stream: true, input: context });
    expect(res.status).toBe(500);
    expect(server.unexpected).toEqual(["script threw at turn 0: no turn 9"]);
  });

  it("builds apply_patch's add-file patch", () => {
    expect(addFilePatch("a/NOTES.md", "one\ntwo\n")).toBe(
      "*** Begin Patch\n*** Add File: a/NOTES.md\n+one\n+two\n*** End Patch\n",
    );
  });
});
