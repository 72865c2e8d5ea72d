/**
 * A tool call in words, for the status comment's checklist: what a reader of the issue would call
 * the step ("Edited `src/date.ts`"), not the tool's API. Markdown, safe to put on one list line.
 * Reads only the agent-neutral fields of the call: the agent's adapter already mapped its tools.
 */
import { codeSpan, inlineText, truncate } from "./gfm-escape.js";
import type { ToolCall } from "./wire.js";

/** A path, command or query is cut to this many characters: the transcript has them whole. */
export const STEP_LABEL_MAX = 100;

/**
 * The same step as a finished item, the item in progress, one that never finished (the run ended
 * under it), and a failed one (shown with ❌).
 */
export interface StepText {
  done: string;
  now: string;
  attempt: string;
  failed: string;
}

/**
 * Describes a tool call by its kind. A command reads as its description, else as the command ("Ran
 * `npm test`"), and a failed one says so with its exit code when known; file work names the path;
 * a tool no kind fits reads as its description, or else its own name.
 */
export function describeToolCall(call: ToolCall, exitCode?: number): StepText {
  const path = call.path ? codeSpan(truncate(call.path, STEP_LABEL_MAX)) : undefined;
  const code = (text: string) => codeSpan(truncate(text, STEP_LABEL_MAX));
  const verbs = (done: string, now: string, attempt: string, object: string): StepText => ({
    done: `${done} ${object}`,
    now: `${now} ${object}`,
    attempt: `${attempt} ${object}`,
    failed: `${attempt} ${object}`,
  });
  const same = (text: string): StepText => ({ done: text, now: text, attempt: text, failed: text });
  switch (call.kind) {
    case "shell": {
      const said = call.description?.trim() ? inlineText(call.description, STEP_LABEL_MAX) : undefined;
      const command = call.command?.trim() ? codeSpan(firstLine(call.command)) : "a command";
      const done = said ?? `Ran ${command}`;
      return {
        done,
        now: said ?? `Running ${command}`,
        attempt: said ?? `Run ${command}`,
        failed: `${done} — failed${exitCode === undefined ? "" : ` (exit ${exitCode})`}`,
      };
    }
    case "write":
      return verbs("Wrote", "Writing", "Write", path ?? "a file");
    case "edit": {
      const step = verbs("Edited", "Editing", "Edit", path ?? "a file");
      return { ...step, done: `${step.done}${lineCounts(call)}` };
    }
    case "read":
      return verbs("Read", "Reading", "Read", path ?? "a file");
    case "search": {
      const where = path ? ` in ${path}` : "";
      if (call.query)
        return verbs("Searched for", "Searching for", "Search for", `${code(call.query)}${where}`);
      return verbs("Searched", "Searching", "Search", path ?? "the code");
    }
    case "web":
      if (call.url) return verbs("Fetched", "Fetching", "Fetch", code(call.url));
      if (call.query)
        return verbs("Searched the web for", "Searching the web for", "Search the web for", code(call.query));
      return verbs("Used", "Using", "Use", "the web");
    case "other":
      return same(inlineText(call.description?.trim() || call.name, STEP_LABEL_MAX));
  }
}

/** ` (+3 −1)`, when the adapter could count an edit's lines. */
function lineCounts(call: ToolCall): string {
  if (call.added === undefined && call.removed === undefined) return "";
  return ` (+${call.added ?? 0} −${call.removed ?? 0})`;
}

function firstLine(text: string): string {
  const lines = text.trim().split("\n");
  const first = truncate(lines[0] ?? "", STEP_LABEL_MAX);
  return lines.length > 1 && !first.endsWith("…") ? `${first} …` : first;
}
