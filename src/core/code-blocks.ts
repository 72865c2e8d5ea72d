/**
 * Where a comment has code blocks, as GitHub renders markdown (CommonMark, https://spec.commonmark.org):
 * fenced blocks (``` or ~~~) indented up to 3 columns past their container, and indented blocks (4
 * columns past it, after a blank line or a block that is not a paragraph), where a container is a
 * list item and its content column. Pure and line-based: enough to tell the grammar what is code, so
 * that a call or a flag written in a code block neither calls nor sets anything. Inline code spans
 * and block quotes are parse-mention.ts's business.
 *
 * Only for the grammar: when in doubt it says "code", which costs a missed call at worst. Whatever
 * strips hidden markup must not rely on it (there the doubt goes the other way).
 */

/** `- `, `* `, `+ `, `1. `, `1) `: a list item's marker and the spaces after it (or the line's end). */
const LIST_MARKER = /^([-*+]|\d{1,9}[.)])([ \t]+|$)/;
const FENCE_OPEN = /^(`{3,}(?=[^`\n]*$)|~{3,})/;
const FENCE_CLOSE = /^(`{3,}|~{3,})[ \t]*$/;
const HEADING = /^#{1,6}(?:[ \t]|$)/;

type Fence = { char: string; length: number; base: number; start: number };

/** The code blocks of `text`, as [start, end) offsets, in order. */
export function codeBlocks(text: string): Array<[number, number]> {
  const blocks: Array<[number, number]> = [];
  /** Content columns of the list items the current line may belong to, innermost last. */
  const items: number[] = [];
  let fence: Fence | null = null;
  let indented: { start: number; end: number } | null = null;
  /** The previous line continues a paragraph: an indented line after it is more of the paragraph. */
  let paragraph = false;
  let start = 0;
  for (const line of text.split("\n")) {
    const end = start + line.length;
    const lineStart = start;
    start = end + 1;
    const blank = line.trim() === "";
    const indent = columnsOf(line);
    if (fence) {
      // A line less indented than the fence's list item ends the item, and the fence with it.
      if (blank || indent >= fence.base) {
        const close = FENCE_CLOSE.exec(line.trimStart());
        if (close?.[1]?.[0] === fence.char && close[1].length >= fence.length && indent - fence.base <= 3) {
          blocks.push([fence.start, end]);
          fence = null;
        }
        continue;
      }
      blocks.push([fence.start, lineStart - 1]);
      fence = null;
    }
    if (blank) {
      paragraph = false;
      continue;
    }
    if (indented) {
      if (indent >= (items.at(-1) ?? 0) + 4) {
        indented.end = end;
        continue;
      }
      blocks.push([indented.start, indented.end]);
      indented = null;
    }
    // Lazy continuation: a paragraph goes on whatever the indentation; anything else leaves the items
    // it is not indented enough for.
    if (!paragraph) while (items.length > 0 && indent < items.at(-1)!) items.pop();
    if (!paragraph && indent >= (items.at(-1) ?? 0) + 4) {
      indented = { start: lineStart, end };
      continue;
    }
    let column = indent;
    let rest = line.trimStart();
    for (let m = LIST_MARKER.exec(rest); m !== null; m = LIST_MARKER.exec(rest)) {
      while (items.length > 0 && items.at(-1)! > column) items.pop();
      const spaces = m[2] ?? "";
      // Five spaces or more after the marker: the item's content starts one space after it.
      const gap = spaces.length === 0 || spaces.length > 4 ? 1 : spaces.length;
      column += (m[1]?.length ?? 1) + gap;
      items.push(column);
      rest = rest.slice(m[0].length);
    }
    const open = FENCE_OPEN.exec(rest);
    if (open?.[1]) {
      // A fence is never a lazy line: one not indented enough for an item leaves the item.
      if (column === indent) while (items.length > 0 && indent < items.at(-1)!) items.pop();
      fence = { char: open[1][0]!, length: open[1].length, base: items.at(-1) ?? 0, start: lineStart };
      paragraph = false;
      continue;
    }
    paragraph = rest.trim() !== "" && !HEADING.test(rest);
  }
  if (fence) blocks.push([fence.start, text.length]);
  if (indented) blocks.push([indented.start, indented.end]);
  return blocks;
}

/** Same length, newlines kept: offsets in the result are offsets in `text`. */
export function blankCodeBlocks(text: string): string {
  let out = text;
  for (const [from, to] of codeBlocks(text))
    out = out.slice(0, from) + out.slice(from, to).replace(/[^\n]/g, " ") + out.slice(to);
  return out;
}

/** Leading whitespace in columns, a tab advancing to the next multiple of 4 (CommonMark's tab stop). */
function columnsOf(line: string): number {
  let column = 0;
  for (const c of line) {
    if (c === " ") column++;
    else if (c === "\t") column += 4 - (column % 4);
    else break;
  }
  return column;
}
