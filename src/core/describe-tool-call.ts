/**
 * A tool call in words, for the status comment's checklist: what a reader of the issue would call
 * the step ("Edited `src/date.ts`"), not the tool's API. Markdown, safe to put on one list line.
 */
import { codeSpan, inlineText, truncate } from "./gfm-escape.js";

const LABEL_MAX = 100;

/** The same step as a finished item, the item in progress, and a failed attempt (shown with ❌). */
export interface StepText {
  done: string;
  now: string;
  failed: string;
}

/**
 * Describes a Claude Code tool call. Bash uses the agent's own `description` of the command (or
 * the command's first line); file tools name the path relative to the checkout; unknown tools
 * (MCP and newer ones) fall back to their name. `output` refines Write: a rewrite is not a creation.
 */
export function describeToolCall(tool: string, input: unknown, output?: string): StepText {
  const path = (key = "file_path") => {
    const p = field(input, key);
    return p ? codeSpan(truncate(repoRelative(p), LABEL_MAX)) : "a file";
  };
  const code = (key: string) => codeSpan(truncate(field(input, key) ?? "", LABEL_MAX));
  const verbs = (done: string, now: string, failed: string, object: string): StepText => ({
    done: `${done} ${object}`,
    now: `${now} ${object}`,
    failed: `${failed} ${object}`,
  });
  const same = (text: string): StepText => ({ done: text, now: text, failed: text });
  switch (tool) {
    case "Bash": {
      const description = field(input, "description");
      if (description?.trim()) return same(inlineText(description, LABEL_MAX));
      const command = field(input, "command");
      return same(command?.trim() ? codeSpan(firstLine(command)) : "Ran a command");
    }
    case "Write":
      // Claude Code answers "File created successfully…" or "The file … has been updated…".
      return /has been updated/i.test(output ?? "")
        ? verbs("Rewrote", "Rewriting", "Rewrite", path())
        : verbs("Created", "Creating", "Create", path());
    case "Edit":
    case "MultiEdit":
      return verbs("Edited", "Editing", "Edit", path());
    case "NotebookEdit":
      return verbs("Edited", "Editing", "Edit", path("notebook_path"));
    case "Read":
      return verbs("Read", "Reading", "Read", path());
    case "Grep":
      return verbs("Searched for", "Searching for", "Search for", code("pattern"));
    case "Glob":
      return verbs("Listed", "Listing", "List", code("pattern"));
    case "WebFetch":
      return verbs("Fetched", "Fetching", "Fetch", code("url"));
    case "WebSearch":
      return verbs("Searched the web for", "Searching the web for", "Search the web for", code("query"));
    case "TodoWrite":
      return verbs("Updated", "Updating", "Update", "the plan");
    case "Task":
    case "Agent": {
      const what = field(input, "description");
      return verbs("Ran", "Running", "Run", `a sub-agent${what ? `: ${inlineText(what, LABEL_MAX)}` : ""}`);
    }
    default:
      return same(inlineText(tool, LABEL_MAX));
  }
}

/**
 * A path inside the sandbox checkout (`/workspace/repo/src/x.ts`) as the repository sees it. The
 * first `repo` segment is the checkout; a later one (`src/repo/…`) belongs to the project.
 */
export function repoRelative(path: string): string {
  const i = path.indexOf("/repo/");
  return i >= 0 ? path.slice(i + "/repo/".length) : path;
}

function firstLine(text: string): string {
  const lines = text.trim().split("\n");
  const first = truncate(lines[0] ?? "", LABEL_MAX);
  return lines.length > 1 && !first.endsWith("…") ? `${first} …` : first;
}

function field(input: unknown, key: string): string | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const value = (input as Record<string, unknown>)[key];
  return typeof value === "string" ? value : undefined;
}
