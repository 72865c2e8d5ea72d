/**
 * Finds a call to the bot in a comment body: `@handle <task>` anywhere in prose, or `/handle <task>`
 * at the start of a line. Mentions inside code (fenced or inline) and quoted replies (`> …`) do not
 * count: quoting someone's earlier request must not start a second run.
 */
import { stripHidden } from "./strip-hidden.js";

export type Mention = {
  /** The instruction with the mention removed; empty when the comment only says the handle. */
  task: string;
  form: "mention" | "slash";
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Blanks out fenced code, inline code and quoted lines, keeping the rest of the text as it is. */
function visibleProse(body: string): string {
  return body
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?(?:^\1[^\n]*$|(?![\s\S]))/gm, "")
    .replace(/`[^`\n]*`/g, "")
    .replace(/^[ \t]*>.*$/gm, "");
}

export function parseMention(body: string, handle: string): Mention | null {
  const text = stripHidden(body);
  const prose = visibleProse(text);
  const h = escapeRegExp(handle);
  const slash = new RegExp(`^[ \\t]*/${h}(?![\\w-])`, "im");
  // Not part of an e-mail address or a longer handle (`@understudy-bot`).
  const mention = new RegExp(`(?<![\\w.@/-])@${h}(?![\\w-])`, "i");
  const form = slash.test(prose) ? "slash" : mention.test(prose) ? "mention" : null;
  if (!form) return null;
  const strip = new RegExp(
    form === "slash" ? `^[ \\t]*/${h}(?![\\w-])[ \\t]*` : `(?<![\\w.@/-])@${h}(?![\\w-])[ \\t,:]*`,
    "gim",
  );
  const task = visibleProseWithoutQuotes(text)
    .replace(strip, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return { task, form };
}

/** The task keeps code blocks (they are often the point) but not quoted replies. */
function visibleProseWithoutQuotes(text: string): string {
  return text.replace(/^[ \t]*>.*(?:\n|$)/gm, "");
}
