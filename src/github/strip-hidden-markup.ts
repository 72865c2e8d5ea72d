/**
 * Everything user-written that reaches the agent goes through here: text a reader of the rendered
 * comment cannot see must not be able to instruct the agent. On top of stripHidden (HTML comments,
 * invisible and bidi-control characters) this removes markup GitHub renders as nothing:
 * - link reference definitions (`[//]: # (note)`, `[x]: https://… "title"`), the markdown "comment";
 * - HTML elements marked `hidden`, with their content;
 * - HTML attributes (`alt`, `title`, `aria-label`, `data-*`: shown on hover at most), tags kept;
 *   quoted values may hold `>`, so a tag is read as quoted values and other characters;
 * - an image's alt text and a link's title (`![alt](u)`, `[a](u "title")`): not shown when the
 *   image loads, or only on hover.
 * A hidden element that starts in prose goes whole, a code span inside it included.
 * Code blocks and code spans are left as written: there the markup is visible text.
 */
import { FENCED_CODE, INLINE_CODE } from "../core/parse-mention.js";
import { stripHidden } from "../core/strip-hidden.js";

const REFERENCE_DEFINITION = /^ {0,3}\[[^\]\n]+\]:[ \t]*\S.*(?:\n|$)/gm;
/** Inside a tag: quoted values (which may hold `<` or `>`) or any other character but the brackets. */
const IN_TAG = `(?:"[^"]*"|'[^']*'|[^<>"'])`;
const HIDDEN_ELEMENT = new RegExp(
  `<([A-Za-z][\\w-]*)\\b${IN_TAG}*?\\shidden\\b${IN_TAG}*>[\\s\\S]*?<\\/\\1\\s*>`,
  "gi",
);
const HIDDEN_VOID = new RegExp(`<[A-Za-z][\\w-]*\\b${IN_TAG}*?\\shidden\\b${IN_TAG}*\\/?>`, "gi");
const ATTRIBUTES = new RegExp(`<([A-Za-z][\\w-]*)\\s${IN_TAG}*?(\\/?)>`, "g");
/** `![alt](url "title")`: the alt text goes, the image stays as a link to what it showed. */
const IMAGE = /!\[[^\]\n]*\]\(\s*(<[^>\n]*>|[^\s)]+)(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?\s*\)/g;
/** `[text](url "title")`: the title goes. */
const LINK_TITLE = /(\]\(\s*(?:<[^>\n]*>|[^\s)]+))\s+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\))\s*\)/g;

export function stripHiddenMarkup(text: string): string {
  const visible = withoutHiddenElements(stripHidden(text));
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
    .replace(ATTRIBUTES, "<$1$2>")
    .replace(IMAGE, "![image]($1)")
    .replace(LINK_TITLE, "$1)");
}

/** Removes hidden elements whose opening tag is prose (one written inside code is visible text). */
function withoutHiddenElements(text: string): string {
  const code = new RegExp(`${FENCED_CODE.source}|${INLINE_CODE.source}`, "gm");
  const ranges: [number, number][] = [];
  for (let m = code.exec(text); m !== null; m = code.exec(text))
    ranges.push([m.index, m.index + m[0].length]);
  const inCode = (at: number) => ranges.some(([from, to]) => at >= from && at < to);
  const drop = (match: string, ...rest: unknown[]) => {
    const at = rest.find((x) => typeof x === "number") as number;
    return inCode(at) ? match : "";
  };
  return text.replace(HIDDEN_ELEMENT, drop).replace(HIDDEN_VOID, drop);
}
