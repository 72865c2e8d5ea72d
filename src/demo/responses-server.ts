/**
 * A scripted stand-in for the OpenAI Responses API, shaped as the Codex CLI uses it (observed on
 * 0.169.0, see /work/shared/reference/codex-0.169.0.requests-to-model-api.log), so tests and the
 * offline demo run the real CLI with no network. It answers `POST /v1/responses` with the SSE
 * framing of the real API; everything else is a 404 recorded in `unexpected`, so a test can assert
 * the CLI made no other request. The twin of model-server.ts, which does the same for Claude Code.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";

/**
 * One output item of a model turn: assistant text, a call of Codex's `exec_command` function (a
 * shell command), or of its freeform `apply_patch` tool (a patch in Codex's own format, see
 * {@link addFilePatch}).
 */
export type ScriptedItem =
  | { type: "text"; text: string }
  | { type: "exec_command"; cmd: string; workdir?: string }
  | { type: "apply_patch"; patch: string };

/**
 * One model turn. `error` makes the server answer with that HTTP status and the API's error body
 * instead of a response, to exercise how the CLI reports a failing model API.
 */
export type ScriptedTurn = { items: ScriptedItem[]; error?: { status: number; message: string } };

/** A `function_call_output` or `custom_tool_call_output` the CLI sent back: what a tool printed. */
export type ToolOutputSeen = { callId: string; output: string };

export type ResponsesScriptContext = {
  /** Model responses already in the request's input: robust to the CLI retrying a request. */
  turn: number;
  /** From the `<cwd>` of the CLI's `<environment_context>` message; "" when the request has none. */
  cwd: string;
  /** Tool outputs at the end of the request's input, answering the previous turn's calls. */
  lastToolOutputs: ToolOutputSeen[];
  /**
   * Text of the last user message: `codex exec` sends its context messages first and the prompt
   * last, so this is the prompt, and one script can serve several runs.
   */
  prompt: string;
};

/** A turn may wait (a test holding the agent mid-run until it has looked at something). */
export type ResponsesScript = (ctx: ResponsesScriptContext) => ScriptedTurn | Promise<ScriptedTurn>;

export type RecordedResponsesRequest = {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  stream: boolean;
  turn: number;
  cwd: string;
  /** HTTP status the server answered with. */
  status: number;
};

export type ResponsesServer = {
  /** The provider's `base_url` (the CLI appends `/responses`), e.g. http://127.0.0.1:41234/v1 */
  url: string;
  requests: RecordedResponsesRequest[];
  /**
   * "METHOD /path" of every request that was not a Responses API call, "CONNECT host:port" of every
   * proxy tunnel asked for, and scripts that threw.
   */
  unexpected: string[];
  close(): Promise<void>;
};

// The CLI's request bodies carry the whole conversation and tool schemas (about 40 KB for a first
// turn). A generous bound still stops a runaway client from filling memory.
const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Starts the stand-in on 127.0.0.1 with an OS-assigned port. */
export async function startResponsesServer(script: ResponsesScript): Promise<ResponsesServer> {
  const requests: RecordedResponsesRequest[] = [];
  const unexpected: string[] = [];
  const server = createServer((req, res) => {
    handle(req, res, script, requests, unexpected).catch((err: unknown) => {
      unexpected.push(`handler failed: ${String(err)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // Set as a CLI's HTTPS_PROXY, the server also sees the hosts it would reach besides the model API:
  // each asks to CONNECT, which is refused and recorded.
  server.on("connect", (req: IncomingMessage, socket: Duplex) => {
    unexpected.push(`CONNECT ${req.url ?? ""}`);
    socket.on("error", () => {}); // a client that hangs up first is no failure of the server
    socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    unexpected,
    close: () =>
      new Promise<void>((resolve) => {
        // The CLI keeps connections alive; without this, close() would wait for their idle timeout.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  script: ResponsesScript,
  requests: RecordedResponsesRequest[],
  unexpected: string[],
): Promise<void> {
  const method = req.method ?? "GET";
  const url = req.url ?? "/";
  const path = url.split("?")[0];
  const text = await readBody(req);
  if (method !== "POST" || path !== "/v1/responses") {
    unexpected.push(`${method} ${url}`);
    sendError(res, 404, `No route for ${method} ${path}`);
    return;
  }
  // 0.169.0 sends plain JSON to a custom provider; a compressed body would be unreadable here, so a
  // CLI that starts compressing fails the test loudly instead of being answered at random.
  const encoding = req.headers["content-encoding"];
  if (encoding && encoding !== "identity") {
    unexpected.push(`${method} ${url} with content-encoding ${String(encoding)}`);
    sendError(res, 415, `Compressed request bodies (${String(encoding)}) are not supported here`);
    return;
  }
  const body = parseJson(text);
  const input = inputOf(body);
  const ctx: ResponsesScriptContext = {
    turn: countModelTurns(input),
    cwd: findCwd(input),
    lastToolOutputs: lastToolOutputs(input),
    prompt: lastUserText(input),
  };
  const stream = isRecord(body) && body.stream === true;
  const model = isRecord(body) && typeof body.model === "string" ? body.model : "gpt-stand-in";
  const record: RecordedResponsesRequest = {
    method,
    url,
    headers: req.headers,
    body,
    stream,
    turn: ctx.turn,
    cwd: ctx.cwd,
    status: 200,
  };
  requests.push(record);

  let turn: ScriptedTurn;
  try {
    turn = await script(ctx);
  } catch (err) {
    unexpected.push(`script threw at turn ${ctx.turn}: ${err instanceof Error ? err.message : String(err)}`);
    record.status = 500;
    sendError(res, 500, "The scripted model failed");
    return;
  }
  if (turn.error) {
    record.status = turn.error.status;
    sendError(res, turn.error.status, turn.error.message);
    return;
  }
  const response = buildResponse(turn, model, Math.ceil(text.length / 4));
  if (stream) writeStream(res, response);
  else {
    res.writeHead(200, { "content-type": "application/json", "x-request-id": id("req") });
    res.end(JSON.stringify(response));
  }
}

type OutputItem =
  | {
      type: "message";
      id: string;
      status: "completed";
      role: "assistant";
      content: { type: "output_text"; text: string; annotations: [] }[];
    }
  | {
      type: "function_call";
      id: string;
      status: "completed";
      call_id: string;
      name: string;
      arguments: string;
    }
  | {
      type: "custom_tool_call";
      id: string;
      status: "completed";
      call_id: string;
      name: string;
      input: string;
    };

type Response = {
  id: string;
  object: "response";
  created_at: number;
  status: "completed";
  model: string;
  output: OutputItem[];
  usage: {
    input_tokens: number;
    input_tokens_details: { cached_tokens: 0 };
    output_tokens: number;
    output_tokens_details: { reasoning_tokens: 0 };
    total_tokens: number;
  };
};

function buildResponse(turn: ScriptedTurn, model: string, inputTokens: number): Response {
  const output = turn.items.map(outputItem);
  const outputChars = output.reduce((n, item) => n + JSON.stringify(item).length, 0);
  const outputTokens = Math.max(1, Math.ceil(outputChars / 4));
  return {
    id: id("resp"),
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status: "completed",
    model,
    output,
    usage: {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + outputTokens,
    },
  };
}

function outputItem(item: ScriptedItem): OutputItem {
  switch (item.type) {
    case "text":
      return {
        type: "message",
        id: id("msg"),
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text: item.text, annotations: [] }],
      };
    case "exec_command": {
      const args = item.workdir === undefined ? { cmd: item.cmd } : { cmd: item.cmd, workdir: item.workdir };
      return {
        type: "function_call",
        id: id("fc"),
        status: "completed",
        call_id: id("call"),
        name: "exec_command",
        arguments: JSON.stringify(args),
      };
    }
    case "apply_patch":
      return {
        type: "custom_tool_call",
        id: id("ctc"),
        status: "completed",
        call_id: id("call"),
        name: "apply_patch",
        input: item.patch,
      };
  }
}

/**
 * Writes the response as the real API streams it (platform.openai.com "Streaming API responses"):
 * each item is opened with `output_item.added`, its text or arguments follow as deltas, and it is
 * closed with `output_item.done` carrying the whole item, which is what Codex acts on; the stream
 * ends with `response.completed`, whose usage Codex reports on `turn.completed`.
 */
function writeStream(res: ServerResponse, response: Response): void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "x-request-id": id("req"),
  });
  let sequence = 0;
  const send = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`);
  const pending = { ...response, status: "in_progress", output: [], usage: null };
  send("response.created", { response: pending });
  send("response.in_progress", { response: pending });
  response.output.forEach((item, output_index) => {
    const at = { item_id: item.id, output_index };
    switch (item.type) {
      case "message": {
        send("response.output_item.added", {
          output_index,
          item: { ...item, status: "in_progress", content: [] },
        });
        item.content.forEach((part, content_index) => {
          const empty = { ...part, text: "" };
          send("response.content_part.added", { ...at, content_index, part: empty });
          for (const delta of chunks(part.text)) {
            send("response.output_text.delta", { ...at, content_index, delta, logprobs: [] });
          }
          send("response.output_text.done", { ...at, content_index, text: part.text, logprobs: [] });
          send("response.content_part.done", { ...at, content_index, part });
        });
        break;
      }
      case "function_call":
        send("response.output_item.added", {
          output_index,
          item: { ...item, status: "in_progress", arguments: "" },
        });
        for (const delta of chunks(item.arguments)) {
          send("response.function_call_arguments.delta", { ...at, delta });
        }
        send("response.function_call_arguments.done", { ...at, arguments: item.arguments });
        break;
      case "custom_tool_call":
        send("response.output_item.added", {
          output_index,
          item: { ...item, status: "in_progress", input: "" },
        });
        for (const delta of chunks(item.input)) {
          send("response.custom_tool_call_input.delta", { ...at, delta });
        }
        send("response.custom_tool_call_input.done", { ...at, input: item.input });
        break;
    }
    send("response.output_item.done", { output_index, item });
  });
  send("response.completed", { response });
  res.end();
}

/** The error body of the OpenAI API: `{ error: { message, type, param, code } }`. */
function sendError(res: ServerResponse, status: number, message: string): void {
  const type = status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
  res.writeHead(status, { "content-type": "application/json", "x-request-id": id("req") });
  res.end(JSON.stringify({ error: { message, type, param: null, code: null } }));
}

/** Splits text into a few fragments so clients see several deltas, as from the real API. */
function chunks(text: string, size = 64): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error(`request body over ${MAX_BODY_BYTES} bytes`));
      else parts.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function inputOf(body: unknown): Record<string, unknown>[] {
  return isRecord(body) && Array.isArray(body.input) ? body.input.filter(isRecord) : [];
}

const isToolOutput = (item: Record<string, unknown>) =>
  typeof item.type === "string" && item.type.endsWith("_output");

/** An item the model produced: assistant text, a reasoning item or a tool call of any kind. */
const isModelItem = (item: Record<string, unknown>) =>
  item.type === "message" ? item.role === "assistant" : typeof item.type === "string" && !isToolOutput(item);

/**
 * Model responses already in the conversation: each is a run of model items (text and the calls
 * made with it) ended by the tool outputs that answer them, so parallel calls count once.
 */
function countModelTurns(input: Record<string, unknown>[]): number {
  let turns = 0;
  let inResponse = false;
  for (const item of input) {
    const model = isModelItem(item);
    if (model && !inResponse) turns++;
    inResponse = model;
  }
  return turns;
}

function lastToolOutputs(input: Record<string, unknown>[]): ToolOutputSeen[] {
  const outputs: ToolOutputSeen[] = [];
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i]!;
    if (!isToolOutput(item)) break;
    outputs.unshift({ callId: String(item.call_id ?? ""), output: flatten(item.output) });
  }
  return outputs;
}

function lastUserText(input: Record<string, unknown>[]): string {
  const last = input.filter((item) => item.type === "message" && item.role === "user").at(-1);
  return last ? flatten(last.content) : "";
}

/** Codex states its working directory in an `<environment_context>` user message. */
function findCwd(input: Record<string, unknown>[]): string {
  for (const item of input) {
    if (item.type !== "message" || item.role !== "user") continue;
    const m = /<cwd>([^<]*)<\/cwd>/.exec(flatten(item.content));
    if (m?.[1]) return m[1].trim();
  }
  return "";
}

/** Message content and tool output are a string or a list of parts; only text parts are readable. */
function flatten(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter(isRecord)
    .map((part) => (typeof part.text === "string" ? part.text : ""))
    .join("\n");
}

function id(prefix: string): string {
  return `${prefix}_standin${randomBytes(9).toString("base64url")}`;
}

/**
 * A patch in the format of Codex's `apply_patch` tool (its grammar is in the tool's definition in
 * every request) that creates `path` with `content`. `path` is relative to the working directory.
 */
export function addFilePatch(path: string, content: string): string {
  const lines = content.endsWith("\n") ? content.slice(0, -1).split("\n") : content.split("\n");
  return ["*** Begin Patch", `*** Add File: ${path}`, ...lines.map((l) => `+${l}`), "*** End Patch", ""].join(
    "\n",
  );
}

/** A script whose model API fails every request with the given HTTP status. */
export function failingResponsesScript(status = 500, message = "Internal server error"): ResponsesScript {
  return () => ({ items: [], error: { status, message } });
}

/** A script that runs one shell command, then ends: for runs that must take a while (e.g. `sleep 30`). */
export function execCommandScript(cmd: string): ResponsesScript {
  return ({ turn }) =>
    turn === 0
      ? { items: [{ type: "exec_command", cmd }] }
      : { items: [{ type: "text", text: `Ran \`${cmd}\`.` }] };
}
