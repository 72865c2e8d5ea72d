/**
 * A scripted stand-in for the Anthropic Messages API, shaped as the Claude Code CLI uses it, so tests
 * and the offline demo run the real CLI with no network. It answers `POST /v1/messages` (the CLI adds
 * `?beta=true`) with the same SSE framing the real API uses; everything else is a 404 recorded in
 * `unexpected`, so a test can assert the CLI made no other request.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type ScriptedBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; name: string; input: Record<string, unknown> };

/**
 * One model turn. `error` makes the server answer with that HTTP status and the API's error body
 * instead of a message, to exercise how the CLI reports a failing model API.
 */
export type ScriptedTurn = { blocks: ScriptedBlock[]; error?: { status: number; message: string } };

export type ToolResultSeen = { id: string; content: string; isError: boolean };

export type ScriptContext = {
  /**
   * Assistant messages already in the request since its prompt (a resumed conversation's earlier
   * runs not counted): robust to the CLI retrying a request.
   */
  turn: number;
  /** From the CLI's "Primary working directory:" line; "" when the request has none. */
  cwd: string;
  /** tool_result blocks of the request's last user message. */
  lastToolResults: ToolResultSeen[];
  /**
   * Text of this run's prompt (the latest user message that is not tool results; in a fresh
   * conversation its first), so one script can serve several runs.
   */
  prompt: string;
};

/** A turn may wait (a test holding the agent mid-run until it has looked at something). */
export type ModelScript = (ctx: ScriptContext) => ScriptedTurn | Promise<ScriptedTurn>;

export type RecordedRequest = {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  stream: boolean;
  /** Assistant messages in the whole request, a resumed conversation's earlier runs included. */
  turn: number;
  cwd: string;
  /** HTTP status the server answered with. */
  status: number;
};

export type ModelServer = {
  /** Base URL for ANTHROPIC_BASE_URL, e.g. http://127.0.0.1:41234 */
  url: string;
  requests: RecordedRequest[];
  /** "METHOD /path" of every request that was not a Messages API call, and scripts that threw. */
  unexpected: string[];
  close(): Promise<void>;
};

// The CLI's request bodies carry the whole conversation and tool schemas: a few hundred KB at most
// in tests. A generous bound still stops a runaway client from filling memory.
const MAX_BODY_BYTES = 32 * 1024 * 1024;

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

/** Starts the stand-in on 127.0.0.1 with an OS-assigned port. */
export async function startModelServer(script: ModelScript): Promise<ModelServer> {
  const requests: RecordedRequest[] = [];
  const unexpected: string[] = [];
  const server = createServer((req, res) => {
    handle(req, res, script, requests, unexpected).catch((err: unknown) => {
      unexpected.push(`handler failed: ${String(err)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
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
  script: ModelScript,
  requests: RecordedRequest[],
  unexpected: string[],
): Promise<void> {
  const method = req.method ?? "GET";
  const url = req.url ?? "/";
  const path = url.split("?")[0];
  const text = await readBody(req);
  if (method !== "POST" || path !== "/v1/messages") {
    unexpected.push(`${method} ${url}`);
    sendError(res, 404, `No route for ${method} ${path}`);
    return;
  }
  const body = parseJson(text);
  const messages = messagesOf(body);
  // A resumed conversation (`claude --resume`) carries the earlier runs' messages: the script sees
  // this run's, from its prompt (the last user message that is not tool results) on.
  const start = lastPromptIndex(messages);
  const ctx: ScriptContext = {
    turn: messages.slice(start).filter((m) => isRecord(m) && m.role === "assistant").length,
    cwd: findCwd(body),
    lastToolResults: lastToolResults(messages),
    prompt: userText(messages[start]),
  };
  const stream = isRecord(body) && body.stream === true;
  const model = isRecord(body) && typeof body.model === "string" ? body.model : "claude-stand-in";
  const record: RecordedRequest = {
    method,
    url,
    headers: req.headers,
    body,
    stream,
    turn: messages.filter((m) => isRecord(m) && m.role === "assistant").length,
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
  const message = buildMessage(turn, model, Math.ceil(text.length / 4));
  if (stream) writeStream(res, message);
  else {
    res.writeHead(200, { "content-type": "application/json", "request-id": id("req") });
    res.end(JSON.stringify(message));
  }
}

/** The index of the conversation's latest prompt: a user message without tool results (0 if none). */
function lastPromptIndex(messages: unknown[]): number {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!isRecord(m) || m.role !== "user") continue;
    const content = m.content;
    const toolResults =
      Array.isArray(content) && content.some((b) => isRecord(b) && b.type === "tool_result");
    if (!toolResults) return i;
  }
  return 0;
}

function userText(message: unknown): string {
  if (!isRecord(message) || message.role !== "user") return "";
  const content = message.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((b) => (isRecord(b) && b.type === "text" && typeof b.text === "string" ? b.text : ""))
    .join("\n");
}

type ContentBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

type Message = {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: ContentBlock[];
  stop_reason: "tool_use" | "end_turn";
  stop_sequence: null;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens: 0;
    cache_read_input_tokens: 0;
  };
};

function buildMessage(turn: ScriptedTurn, model: string, inputTokens: number): Message {
  const content: ContentBlock[] = turn.blocks.map((b) =>
    b.type === "text"
      ? { type: "text", text: b.text }
      : { type: "tool_use", id: id("toolu"), name: b.name, input: b.input },
  );
  const outputChars = content.reduce(
    (n, b) => n + (b.type === "text" ? b.text.length : JSON.stringify(b.input).length),
    0,
  );
  return {
    id: id("msg"),
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage: {
      input_tokens: inputTokens,
      output_tokens: Math.max(1, Math.ceil(outputChars / 4)),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}

/** Writes the message as the real API streams it: see docs.anthropic.com "Streaming Messages". */
function writeStream(res: ServerResponse, message: Message): void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "request-id": id("req"),
  });
  const send = (event: string, data: unknown) =>
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send("message_start", {
    type: "message_start",
    message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } },
  });
  send("ping", { type: "ping" });
  message.content.forEach((block, index) => {
    if (block.type === "text") {
      send("content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "text", text: "" },
      });
      for (const piece of chunks(block.text)) {
        send("content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: "text_delta", text: piece },
        });
      }
    } else {
      send("content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: block.id, name: block.name, input: {} },
      });
      // The real API opens every tool input with an empty partial_json, then streams fragments.
      for (const piece of ["", ...chunks(JSON.stringify(block.input))]) {
        send("content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: piece },
        });
      }
    }
    send("content_block_stop", { type: "content_block_stop", index });
  });
  send("message_delta", {
    type: "message_delta",
    delta: { stop_reason: message.stop_reason, stop_sequence: null },
    usage: { output_tokens: message.usage.output_tokens },
  });
  send("message_stop", { type: "message_stop" });
  res.end();
}

function sendError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json", "request-id": id("req") });
  res.end(
    JSON.stringify({
      type: "error",
      error: { type: ERROR_TYPES[status] ?? "api_error", message },
      request_id: id("req"),
    }),
  );
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

function messagesOf(body: unknown): unknown[] {
  return isRecord(body) && Array.isArray(body.messages) ? body.messages : [];
}

/**
 * The CLI states its working directory in the environment section of its prompt, which 2.1.330 sends
 * as a role:"system" message rather than in `system`; search every string so either place works.
 */
function findCwd(body: unknown): string {
  const pending: unknown[] = [body];
  // Bounded walk: a request body is a tree of a few thousand nodes.
  for (let visited = 0; pending.length > 0 && visited < 200_000; visited++) {
    const v = pending.pop();
    if (typeof v === "string") {
      const m = /Primary working directory: (.+)$/m.exec(v);
      // A resumed conversation started elsewhere says so: "<dir> (was <earlier dir>)".
      if (m?.[1]) return m[1].replace(/ \(was .*\)$/, "").trim();
    } else if (Array.isArray(v)) pending.push(...v);
    else if (isRecord(v)) pending.push(...Object.values(v));
  }
  return "";
}

function lastToolResults(messages: unknown[]): ToolResultSeen[] {
  const last = messages.at(-1);
  if (!isRecord(last) || last.role !== "user" || !Array.isArray(last.content)) return [];
  return last.content
    .filter(isRecord)
    .flatMap((b) =>
      b.type === "tool_result"
        ? [{ id: String(b.tool_use_id ?? ""), content: flatten(b.content), isError: b.is_error === true }]
        : [],
    );
}

function flatten(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter(isRecord)
    .map((b) => (typeof b.text === "string" ? b.text : ""))
    .join("\n");
}

function id(prefix: string): string {
  return `${prefix}_standin${randomBytes(9).toString("base64url")}`;
}

/**
 * The product demo's task: read the project, write a CONTRIBUTING.md on running the tests, check the
 * tree, and finish with a summary whose first line works as the pull request's title.
 */
export function contributingScript(): ModelScript {
  return ({ turn, cwd }) => {
    switch (turn) {
      case 0:
        return {
          blocks: [
            { type: "text", text: "I'll look at how this project runs its tests." },
            {
              type: "tool_use",
              name: "Bash",
              input: {
                command: "ls -a && cat package.json 2>/dev/null || true",
                description: "Look at the project",
              },
            },
          ],
        };
      case 1:
        return {
          blocks: [
            {
              type: "tool_use",
              name: "Write",
              input: { file_path: `${cwd}/CONTRIBUTING.md`, content: CONTRIBUTING },
            },
          ],
        };
      case 2:
        return {
          blocks: [
            {
              type: "tool_use",
              name: "Bash",
              input: { command: "git status --short", description: "Check what changed" },
            },
          ],
        };
      default:
        return {
          blocks: [
            {
              type: "text",
              text:
                "Add CONTRIBUTING.md with instructions for running the tests\n\n" +
                "The new CONTRIBUTING.md explains how to install the dependencies with `npm install` and run the " +
                "test suite with `npm test`, so a first-time contributor can check a change before opening a pull request.",
            },
          ],
        };
    }
  };
}

const CONTRIBUTING = `# Contributing

Thanks for helping out! This guide shows how to get the project running and how to check a change
before you open a pull request.

## Set up

You need Node.js and npm. From the repository root, install the dependencies:

\`\`\`sh
npm install
\`\`\`

## Run the tests

\`\`\`sh
npm test
\`\`\`

Run the tests before you push, and add a test for any behaviour you change or fix.

## Open a pull request

1. Create a branch for your change.
2. Keep the change focused on one thing and describe why it is needed.
3. Make sure \`npm test\` passes, then open the pull request.
`;

/** A script whose model API fails every request with the given HTTP status. */
export function failingScript(status = 500, message = "Internal server error"): ModelScript {
  return () => ({ blocks: [], error: { status, message } });
}

/** A script that runs one shell command, then ends: for runs that must take a while (e.g. `sleep 30`). */
export function bashScript(command: string): ModelScript {
  return ({ turn }) =>
    turn === 0
      ? { blocks: [{ type: "tool_use", name: "Bash", input: { command, description: "Run the command" } }] }
      : { blocks: [{ type: "text", text: `Ran \`${command}\`.` }] };
}
