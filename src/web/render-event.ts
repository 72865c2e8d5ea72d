/**
 * The transcript's rows as HTML: messages as markdown, each tool call as one collapsible row (a
 * one-line summary with an icon by kind; the command, the file and its content, an edit as before
 * and after, and the tool's output inside), runs of calls of one kind under one group row. The
 * server's page (render-runs.ts) and the live fragments (transcript-fragments.ts) both build from
 * these, so a row looks the same however it reached the page. Reads only agent-neutral fields.
 */
import { escapeHtml as e } from "../core/escape-html.js";
import { formatCount } from "../core/format-count.js";
import { renderMarkdown } from "../core/render-markdown.js";
import type { Event, EventPayload, ToolCall, ToolKind } from "../core/wire.js";
import { htmlLink } from "./html-link.js";

/** Outputs longer than this start collapsed; short ones are more useful open. */
const SHORT_OUTPUT_LINES = 12;
const SHORT_OUTPUT_CHARS = 1_200;
/** The one-line summary of a call is cut here; the row's body has the whole of it. */
const SUMMARY_CHARS = 160;
/**
 * A block (output, file content, an edit's side) is cut here on the page, so one huge event cannot
 * make the page heavy; the JSON log (`/sessions/:id/events`) keeps every character.
 */
export const BLOCK_CHARS = 16_000;

export type CallState = "running" | "done" | "error";

const ICON: Record<ToolKind, string> = {
  shell: "▶️",
  write: "📝",
  edit: "✏️",
  read: "📄",
  search: "🔍",
  web: "🌐",
  other: "🔧",
};

/** How a group of calls of one kind reads: "Read 4 files", "Ran 2 commands". */
const GROUP_WORDS: Record<ToolKind, [verb: string, one: string, many: string]> = {
  shell: ["Ran", "command", "commands"],
  write: ["Wrote", "file", "files"],
  edit: ["Made", "edit", "edits"],
  read: ["Read", "file", "files"],
  search: ["Ran", "search", "searches"],
  web: ["Made", "web request", "web requests"],
  other: ["Used", "tool", "tools"],
};

/** Events the log does not show as rows: usage goes to the run's heading and the details panel. */
export function isQuiet(ev: Event): boolean {
  return ev.type === "heartbeat" || ev.type === "step_finish";
}

/** A row of the log for any event other than a tool call or result. */
export function renderEventRow(id: number, ev: Event): string {
  return `<li class="ev ev-${ev.type}" data-id="${id}">${timeOf(ev.at)}${renderEvent(ev)}</li>`;
}

/** A tool result whose call is not on the page: a row of its own. */
export function renderResultRow(id: number, ev: Event & { type: "tool_result" }): string {
  return `<li class="ev ev-tool_result" data-id="${id}">${timeOf(ev.at)}${renderResult(ev.data)}</li>`;
}

/**
 * A tool call's row: summary line, then what it did and, once it came, its output. `data-id` is
 * the call's event id and `data-result` its result's, so every event on the page can be found.
 */
export function renderCallRow(
  id: number,
  at: string,
  call: ToolCall,
  state: CallState,
  result: { id: number; html: string } | null,
): string {
  return `<li class="tool st-${state}" data-call="${e(call.callId)}" data-id="${id}"${result === null ? "" : ` data-result="${result.id}"`}><details><summary><span class="ico" aria-hidden="true">${ICON[call.kind]}</span> <span class="what">${callSummary(call)}</span> <span class="mark" aria-hidden="true"></span>${timeOf(at)}</summary><div class="call">${callBody(call)}</div><div class="result">${result?.html ?? ""}</div></details></li>`;
}

/** The row that holds consecutive calls of one kind; its label counts them. */
export function renderGroupRow(kind: ToolKind, calls: readonly string[]): string {
  const [verb, one, many] = GROUP_WORDS[kind];
  const n = calls.length;
  return `<li class="group${n > 1 ? " many" : ""}" data-kind="${kind}" data-verb="${e(verb)}" data-one="${e(one)}" data-many="${e(many)}"><div class="glabel"><span class="ico" aria-hidden="true">${ICON[kind]}</span> <span class="gtext">${e(`${verb} ${formatCount(n)} ${n === 1 ? one : many}`)}</span></div><ol class="calls">${calls.join("")}</ol></li>`;
}

/** A tool's output, as it goes inside its call's row. */
export function renderResult(r: EventPayload<"tool_result">): string {
  return renderOutput(r.isError ? "Error" : "Output", r.output, r.isError);
}

/** The state a call is shown in: a result decides; without one, the call's own status. */
export function callState(call: ToolCall): CallState {
  return call.status === "completed" ? "done" : call.status;
}

function renderEvent(ev: Event): string {
  switch (ev.type) {
    case "user_message":
      // With an author: the request as it was asked. Without: the whole prompt the agent was
      // given (task, context, instructions), folded: it is long and mostly the same every run.
      return ev.data.author
        ? `<div class="who">@${e(ev.data.author)}</div><div class="md">${renderMarkdown(cutMarkdown(ev.data.text))}</div>`
        : `<details class="prompt"><summary>${ev.data.continuesRun ? `Prompt given to the agent, which continues its conversation from run ${ev.data.continuesRun}` : "Prompt given to the agent"}</summary><div class="md">${renderMarkdown(cutMarkdown(ev.data.text))}</div></details>`;
    case "assistant_text":
      return `<div class="who">Agent</div><div class="md">${renderMarkdown(cutMarkdown(ev.data.text))}</div>`;
    case "tool_call":
      return `<div class="tool">${e(ev.data.name)}</div>`;
    case "tool_result":
      return renderResult(ev.data);
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
      const summary = ev.data.summary
        ? `<div class="md">${renderMarkdown(cutMarkdown(ev.data.summary))}</div>`
        : "";
      return `${head}${error}${summary}`;
    }
    case "error":
      return `${line("Error", "bad")}<pre class="bad">${e(ev.data.message)}</pre>`;
    case "heartbeat":
      return "";
    case "isolation":
      return ev.data.mode === "bubblewrap"
        ? line(
            `Sandboxed with bubblewrap; network only to ${ev.data.allowedHosts.map((h) => `<code>${e(h)}</code>`).join(", ") || "nowhere"}`,
            "muted",
          )
        : line("Not isolated: the sandbox host runs with --unsafe-no-isolation", "bad");
    case "files_left_out":
      return line(
        `Left out of the push: ${ev.data.paths.map((p) => `<code>${e(p)}</code>`).join(", ")} (${e(ev.data.reason)})`,
        "bad",
      );
    case "network_blocked":
      return line(
        `Blocked a connection to <code>${e(`${ev.data.host}:${ev.data.port}`)}</code> (not on the network allowlist)`,
        "bad",
      );
  }
}

/** The call in one line, as a reader would say it: "Read `src/a.ts`", "npm test". */
function callSummary(c: ToolCall): string {
  const code = (text: string) => `<code>${e(cut(text))}</code>`;
  const path = c.path ? ` ${code(c.path)}` : "";
  switch (c.kind) {
    case "shell":
      return c.command?.trim()
        ? `${code(firstLine(c.command))}${c.description?.trim() ? ` <span class="muted">${e(cut(c.description))}</span>` : ""}`
        : e(cut(c.description?.trim() || "Command"));
    case "write":
      return `Write${path}`;
    case "edit": {
      const counts =
        c.added !== undefined || c.removed !== undefined
          ? ` <span class="muted">+${c.added ?? 0} −${c.removed ?? 0}</span>`
          : "";
      return `Edit${path}${counts}`;
    }
    case "read":
      return `Read${path}`;
    case "search":
      return `Search${c.query ? ` ${code(c.query)}` : ""}${path ? ` in${path}` : ""}`;
    case "web":
      return c.url ? `Fetch ${code(c.url)}` : c.query ? `Search the web for ${code(c.query)}` : "Web";
    case "other":
      return `${e(cut(c.name))}${c.description?.trim() ? ` <span class="muted">${e(cut(c.description))}</span>` : ""}`;
  }
}

/** The whole of the call: what the summary line had to cut. */
function callBody(c: ToolCall): string {
  const input =
    c.input === undefined ? "" : renderOutput("Input", JSON.stringify(c.input, null, 2) ?? "", false);
  const note = c.description?.trim() ? `<p class="muted">${e(c.description)}</p>` : "";
  switch (c.kind) {
    case "shell":
      return `${note}<pre class="cmd"><code>${clip(c.command ?? "")}</code></pre>`;
    case "write":
      return c.content === undefined
        ? pathLine(c)
        : `${pathLine(c)}<details><summary>Content · ${countLines(c.content)}</summary><pre><code>${clip(c.content)}</code></pre></details>`;
    case "edit": {
      const edits = c.edits ?? [];
      return `${pathLine(c)}${note}${edits.map((x) => renderEdit(x.before, x.after)).join("")}`;
    }
    case "read":
      return pathLine(c);
    case "search":
    case "web":
      return `${c.url ? `<p>${htmlLink(c.url, c.url)}</p>` : ""}${input}`;
    case "other":
      return `${note}${input}`;
  }
}

function pathLine(c: ToolCall): string {
  return c.path ? `<p><code>${e(c.path)}</code></p>` : "";
}

function renderEdit(before: string, after: string): string {
  return `<div class="diff"><pre class="del" aria-label="before"><code>${clip(before)}</code></pre><pre class="ins" aria-label="after"><code>${clip(after)}</code></pre></div>`;
}

/** Markdown past twice a block's length is cut (rendering stays safe wherever the cut falls). */
function cutMarkdown(md: string): string {
  const max = 2 * BLOCK_CHARS;
  return md.length <= max
    ? md
    : `${md.slice(0, max)}\n\n*… ${formatCount(md.length - max)} more characters, in the JSON log*`;
}

/** Escaped text of a block, cut at BLOCK_CHARS with a note saying how much was left out. */
function clip(text: string): string {
  if (text.length <= BLOCK_CHARS) return e(text);
  const left = text.length - BLOCK_CHARS;
  return `${e(text.slice(0, BLOCK_CHARS))}</code><span class="muted">… ${formatCount(left)} more characters, in the JSON log</span><code>`;
}

function renderOutput(label: string, output: string, isError: boolean): string {
  const cls = isError ? ' class="bad"' : "";
  if (output === "") return line(`${label}: (empty)`, isError ? "bad" : "muted");
  const short = output.length <= SHORT_OUTPUT_CHARS && output.split("\n").length <= SHORT_OUTPUT_LINES;
  const pre = `<pre${cls}><code>${clip(output)}</code></pre>`;
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

function firstLine(text: string): string {
  const lines = text.trim().split("\n");
  return lines.length > 1 ? `${lines[0]} …` : (lines[0] ?? "");
}

function cut(text: string): string {
  return text.length > SUMMARY_CHARS ? `${text.slice(0, SUMMARY_CHARS - 1)}…` : text;
}

/** HH:MM:SS in UTC, the full time on hover. */
export function timeOf(iso: string): string {
  const t = /T(\d\d:\d\d:\d\d)/.exec(iso)?.[1] ?? "";
  return `<time datetime="${e(iso)}" title="${e(iso)}">${e(t)}</time>`;
}
