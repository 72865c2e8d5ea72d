/**
 * Everything user-written that reaches the agent goes through here: text a reader of the rendered
 * comment cannot see must not be able to instruct the agent. On top of stripHidden (HTML comments,
 * invisible and bidi-control characters) this removes markup GitHub renders as nothing:
 * - link reference definitions (`[//]: # (note)`, `[x]: https://… "title"`), the markdown "comment";
 * - HTML elements marked `hidden`, with their content;
 * - HTML attributes (`alt`, `title`, `aria-label`, `data-*`: shown on hover at most), tags kept.
 * Code blocks and code spans are left as written: there the markup is visible text.
 */
import { FENCED_CODE, INLINE_CODE } from "../core/parse-mention.js";
import { stripHidden } from "../core/strip-hidden.js";

const REFERENCE_DEFINITION = /^ {0,3}\[[^\]\n]+\]:[ \t]*\S.*(?:\n|$)/gm;
const HIDDEN_ELEMENT = /<([A-Za-z][\w-]*)\b[^<>]*\shidden\b[^<>]*>[\s\S]*?<\/\1\s*>/gi;
const HIDDEN_VOID = /<[A-Za-z][\w-]*\b[^<>]*\shidden\b[^<>]*\/?>/gi;
const ATTRIBUTES = /<([A-Za-z][\w-]*)\s[^<>]*?(\/?)>/g;

export function stripHiddenMarkup(text: string): string {
  const visible = stripHidden(text);
  const code = new RegExp(`${FENCED_CODE.source}|${INLINE_CODE.source}`, "gm");
  let out = "";
  let at = 0;
  for (let m = code.exec(visible); m !== null; m = code.exec(visible)) {
    out += prose(visible.slice(at, m.index)) + m[0];
    at = m.index + m[0].length;
  }
  return out + prose(visible.slice(at));
}

function prose(text: string): string {
  return text
    .replace(REFERENCE_DEFINITION, "")
    .replace(HIDDEN_ELEMENT, "")
    .replace(HIDDEN_VOID, "")
    .replace(ATTRIBUTES, "<$1$2>");
}
