/**
 * Finds a call to the bot in a comment body: `@handle <task>` anywhere in prose, or `/handle <task>`
 * at the start of a line. Mentions inside code (fenced or indented blocks, in list items too, and
 * inline spans; see code-blocks.ts) and quoted replies (`> …`) do not count: quoting someone's
 * earlier request, or showing how to call the bot, must not start a run.
 */
import { blankCodeBlocks } from "./code-blocks.js";
import { stripHidden } from "./strip-hidden.js";

export type Mention = {
  /** The instruction with the call removed; empty when the comment only says the handle. */
  task: string;
  form: "mention" | "slash";
  /**
   * What follows the (first) call on its line, trimmed: where a command word is looked for, so that
   * `Thanks! @understudy stop` is the command `stop`.
   */
  rest: string;
};

/**
 * Fenced code blocks at the start of a line (closed, or running to the end) and inline code spans:
 * what strip-hidden-markup.ts leaves as written. The grammar reads code blocks with code-blocks.ts,
 * which also finds indented ones.
 */
export const FENCED_CODE = /^(```|~~~)[^\n]*\n[\s\S]*?(?:^\1[^\n]*$|(?![\s\S]))/gm;
export const INLINE_CODE = /`[^`\n]*`/g;
const QUOTED = /^[ \t]*>.*$/gm;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** Same length, newlines kept: offsets in the blanked text are offsets in the original. */
const blank = (s: string) => s.replace(/[^\n]/g, " ");

/** Blanks out code blocks, inline code and quoted lines, keeping every offset of the text. */
export function visibleProse(text: string): string {
  return blankCodeBlocks(text).replace(INLINE_CODE, blank).replace(QUOTED, blank);
}

/** Not part of an e-mail address, a path or a longer handle (`@understudy-bot`). */
const mentionOf = (h: string, flags: string) => new RegExp(`(?<![\\w.@/-])@${h}(?![\\w-])`, flags);
const slashOf = (h: string, flags: string) => new RegExp(`^[ \\t]*/${h}(?![\\w-])`, flags);

export function parseMention(body: string, handle: string): Mention | null {
  const text = stripHidden(body);
  const prose = visibleProse(text);
  const h = escapeRegExp(handle);
  const call = slashOf(h, "im").exec(prose) ?? mentionOf(h, "i").exec(prose);
  if (!call) return null;
  const form = call[0].trimStart().startsWith("/") ? "slash" : "mention";
  const end = call.index + call[0].length;
  const lineEnd = text.indexOf("\n", end);
  const rest = text
    .slice(end, lineEnd === -1 ? undefined : lineEnd)
    .replace(/^[ \t,:]+/, "")
    .trim();
  const strip = new RegExp(
    form === "slash" ? `^[ \\t]*/${h}(?![\\w-])[ \\t]*` : `(?<![\\w.@/-])@${h}(?![\\w-])[ \\t,:]*`,
    "gim",
  );
  const task = withoutQuotes(text)
    .replace(strip, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return { task, form, rest };
}

/**
 * Whether the text calls anyone at all (`@someone` in prose, `/something` at the start of a line):
 * the Worker's cheap filter, which cannot know a repository's own handle (`handle:` in its config).
 */
export function callsSomeone(body: string): boolean {
  const prose = visibleProse(stripHidden(body));
  return /(?<![\w.@/-])@[A-Za-z0-9][A-Za-z0-9-]*/.test(prose) || /^[ \t]*\/[A-Za-z0-9][\w-]*/m.test(prose);
}

/** The task keeps code blocks (they are often the point) but not quoted replies. */
function withoutQuotes(text: string): string {
  return text.replace(/^[ \t]*>.*(?:\n|$)/gm, "");
}
