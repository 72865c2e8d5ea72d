/**
 * The command grammar of a comment that calls the bot (pure; see parse-mention.ts for what a call is).
 *
 *   call     = "@" handle (anywhere in prose) | "/" handle (at the start of a line)
 *   command  = call word [ignored text]           word: stop | status | retry | help
 *   prompt   = call text with flags anywhere     flags: --model <m> --agent <a> --base <b> --draft
 *
 * The command word is the first word after the handle on its line (`@understudy stop`, `Thanks!
 * @understudy status`); what follows it is ignored, as with other bots' commands. Anything else is a
 * prompt: its flags (outside code spans and blocks, `--name value` or `--name=value`) are taken out of the task text.
 * What cannot be understood — an unknown word after a slash (`/understudy frobnicate`), an unknown
 * flag, a flag without its value or with a bad one, a flag given twice — is answered with the help
 * text and the reason, never with silence and never with a run.
 */
import { blankCodeBlocks } from "./code-blocks.js";
import { codeSpan } from "./gfm-escape.js";
import { parseMention } from "./parse-mention.js";
import { AGENT_NAMES, type AgentName } from "./wire.js";

/** Words that operate the session instead of asking the agent. */
export const SESSION_COMMANDS = ["stop", "status", "retry"] as const;
export type SessionCommand = (typeof SESSION_COMMANDS)[number];

/** Agents a run may use (StartSessionRequest.options.agent). */
export const AGENTS = AGENT_NAMES;
export type { AgentName };

export type PromptFlags = { model?: string; agent?: AgentName; base?: string; draft?: true };

export type ParsedCommand = { form: "mention" | "slash" } & (
  | { kind: "prompt"; task: string; flags: PromptFlags }
  | { kind: "session"; command: SessionCommand }
  /** `problem`: why the help is the answer (an unknown word or flag); null when help was asked for. */
  | { kind: "help"; problem: string | null }
);

/** A model id as providers spell them (`claude-sonnet-4-5`, `claude-opus-4@20250514`, `org/model:tag`). */
export const MODEL_NAME = /^[A-Za-z0-9][\w.:/@-]{0,99}$/;

/**
 * A branch name git accepts (git check-ref-format, simplified): no spaces or control characters, none
 * of `~ ^ : ? * [ \`, no `..`, `@{` or `//`, no component starting with `.` or ending in `.lock`, not
 * starting with `-` or `/`, not ending with `/` or `.`.
 */
export function isBranchName(name: string): boolean {
  if (name.length === 0 || name.length > 200) return false;
  if (/[\s~^:?*[\\]|\p{Cc}/u.test(name)) return false;
  if (/\.\.|@\{|\/\/|^[-/]|[/.]$|(^|\/)\.|\.lock(\/|$)/.test(name)) return false;
  return name !== "@";
}

/** `--draft` is a switch; the others take a value. */
export const FLAG_NAMES = ["model", "agent", "base", "draft"] as const;
export type FlagName = (typeof FLAG_NAMES)[number];
const isFlagName = (name: string): name is FlagName => FLAG_NAMES.some((f) => f === name);

/**
 * A code span (left alone, as parse-mention's INLINE_CODE), or a flag: `--name` or `--name=value`
 * after a space or at a line start. Groups: 2 name, 3 `=value`. Read in the text with its code
 * blocks blanked (code-blocks.ts), so a flag in a block is never one.
 */
const CODE_OR_FLAG = /(`[^`\n]*`)|(?<![^\s])--([A-Za-z][\w-]*)(=\S*)?/g;

export function parseCommand(body: string, handle: string): ParsedCommand | null {
  const call = parseMention(body, handle);
  if (!call) return null;
  const { form } = call;
  // A command is its word alone on the line (`@understudy stop.`); `@understudy stop using var in
  // utils.ts` or `help me write tests` are requests, never a stop or the help text.
  const firstLine = call.rest.split("\n")[0] ?? "";
  const word = /^\s*([A-Za-z]+)[.!?]*\s*$/.exec(firstLine)?.[1]?.toLowerCase();
  if (word === "help") return { form, kind: "help", problem: null };
  const command = SESSION_COMMANDS.find((c) => c === word);
  if (command) return { form, kind: "session", command };

  const parsed = takeFlags(call.task);
  if ("problem" in parsed) return { form, kind: "help", problem: parsed.problem };
  const task = parsed.text;
  if (task === "") return { form, kind: "help", problem: null };
  // `/understudy frobnicate`: a slash and one word reads as a command, and this one does not exist.
  if (form === "slash" && /^[A-Za-z][\w-]*$/.test(task)) {
    return { form, kind: "help", problem: `\`${task}\` is not a command.` };
  }
  return { form, kind: "prompt", task, flags: parsed.flags };
}

/** Takes the flags out of a task; the first problem found ends the parse. */
function takeFlags(task: string): { text: string; flags: PromptFlags } | { problem: string } {
  const flags: PromptFlags = {};
  const cuts: Array<[number, number]> = [];
  const seen = new Set<string>();
  const re = new RegExp(CODE_OR_FLAG.source, CODE_OR_FLAG.flags);
  // Same offsets as the task: matched here, cut there.
  const prose = blankCodeBlocks(task);
  for (let m = re.exec(prose); m !== null; m = re.exec(prose)) {
    const name = m[2];
    if (name === undefined) continue; // code: left as written
    const flag = `--${name}`;
    if (!isFlagName(name)) return { problem: `\`${flag}\` is not a flag I know.` };
    if (seen.has(name)) return { problem: `\`${flag}\` is given twice.` };
    seen.add(name);
    let end = m.index + m[0].length;
    let value = m[3]?.slice(1);
    if (name === "draft") {
      if (value !== undefined) return { problem: `\`${flag}\` takes no value.` };
      flags.draft = true;
    } else {
      if (value === undefined) {
        // The value is the next word on the same line, unless that is another flag.
        const next = /^[ \t]+(?!--)(\S+)/.exec(prose.slice(end));
        if (next) {
          value = next[1];
          end += next[0].length;
          re.lastIndex = end;
        }
      }
      if (!value) return { problem: `\`${flag}\` needs a value, e.g. \`${flag} ${EXAMPLE[name]}\`.` };
      const problem = checkValue(name, value);
      if (problem) return { problem };
      if (name === "agent") flags.agent = value as AgentName;
      else if (name === "model") flags.model = value;
      else flags.base = value;
    }
    cuts.push(widen(task, m.index, end));
  }
  let text = task;
  for (const [from, to] of cuts.reverse()) text = text.slice(0, from) + text.slice(to);
  return { text: text.replace(/\n{3,}/g, "\n\n").trim(), flags };
}

/** A cut flag takes the spaces after it, or before it at the end of a line: `fix --draft it` → `fix it`. */
function widen(text: string, from: number, to: number): [number, number] {
  let end = to;
  while (end < text.length && (text[end] === " " || text[end] === "\t")) end++;
  let start = from;
  if (end === text.length || text[end] === "\n")
    while (start > 0 && (text[start - 1] === " " || text[start - 1] === "\t")) start--;
  return [start, end];
}

const EXAMPLE: Record<Exclude<FlagName, "draft">, string> = {
  model: "claude-sonnet-4-5",
  agent: "claude-code",
  base: "main",
};

function checkValue(name: Exclude<FlagName, "draft">, value: string): string | null {
  if (name === "agent" && !AGENTS.some((a) => a === value))
    return `${codeSpan(`--agent ${value}`)} is not an agent I can run (${AGENTS.map((a) => `\`${a}\``).join(", ")}).`;
  if (name === "model" && !MODEL_NAME.test(value))
    return `${codeSpan(`--model ${value}`)} is not a model name.`;
  if (name === "base" && !isBranchName(value)) return `${codeSpan(`--base ${value}`)} is not a branch name.`;
  return null;
}
