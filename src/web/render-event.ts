/**
 * One event of the transcript's log as HTML: messages as markdown, tool calls the way a reviewer
 * wants them (the command, the file and its content, an edit as before and after), outputs that
 * collapse when long. Reads only agent-neutral fields: tool calls are told apart by `kind`.
 */
import { escapeHtml as e } from "../core/escape-html.js";
import { formatCount } from "../core/format-count.js";
import { renderMarkdown } from "../core/render-markdown.js";
import type { Event, ToolCall, ToolKind } from "../core/wire.js";
import { htmlLink } from "./html-link.js";

/** Outputs longer than this start collapsed; short ones are more useful open. */
const SHORT_OUTPUT_LINES = 12;
const SHORT_OUTPUT_CHARS = 1_200;

const KIND_LABEL: Record<Exclude<ToolKind, "other">, string> = {
  shell: "Command",
  write: "Write",
  edit: "Edit",
  read: "Read",
  search: "Search",
  web: "Web",
};

/** `calls` holds each tool call by id, so a result can say what it answers. */
export function renderEvent(ev: Event, calls: ReadonlyMap<string, ToolCall>): string {
  switch (ev.type) {
    case "user_message":
      return `<div class="who">${ev.data.author ? `@${e(ev.data.author)}` : "Prompt"}</div><div class="md">${renderMarkdown(ev.data.text)}</div>`;
    case "assistant_text":
      return `<div class="who">Agent</div><div class="md">${renderMarkdown(ev.data.text)}</div>`;
    case "tool_call":
      return renderToolCall(ev.data);
    case "tool_result": {
      const call = calls.get(ev.data.callId);
      const of = call ? ` of ${toolLabel(call)}` : "";
      return renderOutput(ev.data.isError ? `Error${of}` : `Output${of}`, ev.data.output, ev.data.isError);
    }
    case "session_status":
      return line(`Session ${e(ev.data.status)}${ev.data.reason ? `: ${e(ev.data.reason)}` : ""}`);
    case "sandbox_status":
      return line(
        `Sandbox ${e(ev.data.status.replace(/_/g, " "))}${ev.data.detail ? `: ${e(ev.data.detail)}` : ""}`,
      );
    case "git_sync":
      return line(
        `${ev.data.created ? "Created branch" : "Checked out branch"} <code>${e(ev.data.branch)}</code> from <code>${e(ev.data.base)}</code> at <code>${e(ev.data.headSha.slice(0, 7))}</code>`,
      );
    case "step_finish":
      return line(
        `${formatCount(ev.data.tokens.input)} tokens in · ${formatCount(ev.data.tokens.output)} out · $${ev.data.costUsd.toFixed(4)}`,
        "muted",
      );
    case "push_complete": {
      const { branch, sha, commitsAhead, pushed } = ev.data;
      const ahead = `${formatCount(commitsAhead)} ${commitsAhead === 1 ? "commit" : "commits"} ahead of the base branch`;
      return pushed
        ? line(`Pushed <code>${e(sha.slice(0, 7))}</code> to <code>${e(branch)}</code> (${ahead})`, "ok")
        : line(`Nothing new to push to <code>${e(branch)}</code> (${ahead})`);
    }
    case "push_error":
      return `${line(`Push to <code>${e(ev.data.branch)}</code> failed`, "bad")}<pre class="bad">${e(ev.data.error)}</pre>`;
    case "artifact":
      return line(
        ev.data.kind === "pr"
          ? `Pull request ${htmlLink(ev.data.url, ev.data.number !== undefined ? `#${ev.data.number}` : "opened")}`
          : `Branch ${htmlLink(ev.data.url, ev.data.url)}`,
        "ok",
      );
    case "execution_complete": {
      const head = ev.data.success ? line("Agent finished", "ok") : line("Agent failed", "bad");
      const error = ev.data.error ? `<pre class="bad">${e(ev.data.error)}</pre>` : "";
      const summary = ev.data.summary ? `<div class="md">${renderMarkdown(ev.data.summary)}</div>` : "";
      return `${head}${error}${summary}`;
    }
    case "error":
      return `${line("Error", "bad")}<pre class="bad">${e(ev.data.message)}</pre>`;
    case "heartbeat":
      return "";
  }
}

/** What the call is, in a word: its kind, or for a tool no kind fits, the agent's own name for it. */
function toolLabel(call: ToolCall): string {
  return call.kind === "other" ? e(call.name) : KIND_LABEL[call.kind];
}

function renderToolCall(c: ToolCall): string {
  const path = c.path ? ` <code>${e(c.path)}</code>` : "";
  const note = (text: string | undefined) => (text?.trim() ? ` <span class="muted">${e(text)}</span>` : "");
  const head = (rest: string) => `<div class="tool"><b>${toolLabel(c)}</b>${rest}</div>`;
  const input =
    c.input === undefined ? "" : renderOutput("Input", JSON.stringify(c.input, null, 2) ?? "", false);
  switch (c.kind) {
    case "shell":
      return `${head(note(c.description))}<pre class="cmd"><code>${e(c.command ?? "")}</code></pre>`;
    case "write":
      return `${head(path)}${c.content === undefined ? "" : `<details><summary>Content · ${countLines(c.content)}</summary><pre><code>${e(c.content)}</code></pre></details>`}`;
    case "edit": {
      const counts =
        c.added !== undefined || c.removed !== undefined
          ? ` <span class="muted">+${c.added ?? 0} −${c.removed ?? 0}</span>`
          : "";
      const edits = c.edits ?? [];
      const many = edits.length > 1 ? ` (${edits.length} changes)` : "";
      return `${head(`${path}${many}${counts}${note(c.description)}`)}${edits.map((x) => renderEdit(x.before, x.after)).join("")}`;
    }
    case "read":
      return head(path);
    case "search":
      return `${head(`${c.query ? ` <code>${e(c.query)}</code>` : ""}${path ? ` in${path}` : ""}`)}${input}`;
    case "web":
      return `${head(c.url ? ` ${htmlLink(c.url, c.url)}` : c.query ? ` <code>${e(c.query)}</code>` : "")}${input}`;
    case "other":
      return `${head(note(c.description))}${input}`;
  }
}

function renderEdit(before: string, after: string): string {
  return `<div class="diff"><pre class="del" aria-label="before"><code>${e(before)}</code></pre><pre class="ins" aria-label="after"><code>${e(after)}</code></pre></div>`;
}

function renderOutput(label: string, output: string, isError: boolean): string {
  const cls = isError ? ' class="bad"' : "";
  if (output === "") return line(`${label}: (empty)`, isError ? "bad" : "muted");
  const short = output.length <= SHORT_OUTPUT_CHARS && output.split("\n").length <= SHORT_OUTPUT_LINES;
  const pre = `<pre${cls}><code>${e(output)}</code></pre>`;
  if (short) return `<div class="label${isError ? " bad" : ""}">${label}</div>${pre}`;
  return `<details${cls}><summary>${label} · ${countLines(output)}</summary>${pre}</details>`;
}

function line(html: string, tone?: "ok" | "bad" | "muted"): string {
  return `<div class="line${tone ? ` ${tone}` : ""}">${html}</div>`;
}

function countLines(text: string): string {
  const n = text === "" ? 0 : text.replace(/\n$/, "").split("\n").length;
  return `${formatCount(n)} ${n === 1 ? "line" : "lines"}`;
}
