/**
 * Putting text from users and the agent into GitHub-flavoured markdown without letting it break
 * the layout around it: an unclosed `<!--`, `<details>` or code fence would otherwise swallow
 * everything after it, and a stray backtick would end a code span early.
 */

import { Marked, type Token, type Tokens } from "marked";

/** Cuts at `max` UTF-16 units with an ellipsis, never inside a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…`;
}

/** Plain text (a command's description, a tool name) on one line, shown literally: markdown and HTML escaped. */
export function inlineText(text: string, max: number): string {
  return neutralizeMentions(
    truncate(text.replace(/\s+/g, " ").trim(), max).replace(/[\\`*_[\]<>|~&#!]/g, "\\$&"),
  );
}

/** Agent prose squeezed onto one line: its markdown kept (code spans read well), raw HTML not. */
export function inlineSnippet(text: string, max: number): string {
  return sanitizeLine(truncate(text.replace(/\s+/g, " ").trim(), max));
}

/** A code span that holds any text: its fence is one backtick longer than the longest run inside. */
export function codeSpan(text: string): string {
  const t = text.replace(/\s*\n\s*/g, " ");
  if (t.trim() === "") return "` `";
  const fence = "`".repeat(longestRun(t) + 1);
  const pad = t.startsWith("`") || t.endsWith("`") ? " " : "";
  return `${fence}${pad}${t}${pad}${fence}`;
}

/** A fenced code block that holds any text, backtick fences included. */
export function fencedBlock(text: string, info = "text"): string {
  const fence = "`".repeat(Math.max(3, longestRun(text) + 1));
  return `${fence}${info}\n${text}\n${fence}`;
}

/**
 * Quotes markdown so that it reads inside the quote as it read on its own. Tabs that shape blocks
 * are expanded first: a tab counts to the next multiple of 4 columns, and after `> ` its stop moves.
 */
export function blockquote(md: string): string {
  return expandLeadingTabs(md, true)
    .split("\n")
    .map((line) => (line.trim() === "" ? ">" : `> ${line}`))
    .join("\n");
}

/** Percent-encodes what would end a markdown link destination early. */
export function safeUrl(url: string): string {
  return url.replace(/[\s()<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

/**
 * Multi-line markdown made safe to embed: raw HTML escaped outside code, an unclosed code fence
 * closed, @-mentions defused. Code blocks and spans are left as written.
 * `demoteHeadings` keeps top-level headings at h4 or below, under the comment's own h3 headline.
 *
 * What is code is decided by a GFM parser (marked), not by scanning lines: a fence whose info
 * string holds a backtick is no fence, and a fence opened in a list item or a quote ends with it.
 * A guess that disagreed with GitHub would leave `<!--` or `<details>` raw where GitHub reads HTML,
 * and that swallows the rest of the comment.
 */
export function sanitizeMarkdown(md: string, opts: { demoteHeadings?: boolean } = {}): string {
  const demote = opts.demoteHeadings === true;
  const src = normalizeWhitespace(md);
  const marks = markSpecials(src);
  const tokens = marks && lex(() => gfm.lexer(marks.text));
  // marked's top-level tokens always spell out the text; checked, since the text is rebuilt from them.
  if (!marks || !tokens || tokens.map((t) => t.raw).join("") !== marks.text || blocksInDoubt(tokens)) {
    return escapeEverywhere(src, demote);
  }

  let text = "";
  for (const token of tokens) {
    text += demote && token.type === "heading" ? demoteHeading(token as Tokens.Heading) : token.raw;
  }
  // A fence left open swallows the rest of the comment; a closing fence where none is open opens
  // one. So one is added only where marked and the bare lines agree that the text ends inside a
  // fence, and one opened at the margin, where no list can hold it.
  const last = tokens.findLast((t) => t.type !== "space");
  const closing = last?.type === "code" ? missingClosingFence(last.raw) : null;
  if (fenceOpenAtEnd(text) !== closing || (closing !== null && !/^[`~]/.test(last!.raw))) {
    return escapeEverywhere(src, demote);
  }
  if (closing !== null) text += `${text.endsWith("\n") ? "" : "\n"}${closing}`;

  const inCode = new Set<number>();
  blockCode(marks, tokens, inCode, { tables: TABLE_DELIMITER_ROW.test(marks.text), doubt: false });
  const out = marks.restore(text, inCode);
  // By the parser's own reading nothing is HTML now (nothing can be, with every `<` escaped);
  // were something, everything gets escaped.
  return inCode.size === 0 || noHtml(lex(() => gfm.lexer(out))) ? out : escapeEverywhere(src, demote);
}

/**
 * Agent prose on one line, put inline into a paragraph: `<` escaped and mentions defused outside
 * code spans. The spans are the ones GFM finds: a backtick in a link's destination opens none.
 */
export function sanitizeLine(line: string): string {
  const marks = markSpecials(line);
  if (marks?.text === line) return line;
  const tokens = marks && lex(() => gfm.Lexer.lexInline(marks.text, gfm.defaults));
  if (!marks || !tokens) return escapeEverywhere(line, false);
  const inCode = new Set<number>();
  inlineCode(marks, tokens, inCode, { tables: false, doubt: false });
  const out = marks.restore(marks.text, inCode);
  return inCode.size === 0 || noHtml(lex(() => gfm.Lexer.lexInline(out, gfm.defaults)))
    ? out
    : escapeEverywhere(line, false);
}

/** Reads markdown as GitHub does; used here only to find code and HTML, never to render. */
const gfm = new Marked({ gfm: true, async: false });

/**
 * A `<`, with the backslash that escapes it if one does, and the `@` of a mention: what needs
 * escaping outside code. An escaped `\<` becomes `&lt;` too: GitHub's autolinking takes a
 * backslash into the URL (`http://x\<b>`), where it escapes nothing.
 */
const SPECIAL = /(?<=(?:^|[^\\])(?:\\\\)*)\\?<|(?<!\w)@(?=[A-Za-z0-9])/g;
/** Marks are a private-use marker character absent from the text, then two private-use digits. */
const MARKERS = { first: 0xe800, last: 0xf8ff };
const DIGIT_ZERO = 0xe000;
const BASE = 0x800;

interface Marks {
  /** The text with each special character replaced by its own mark. */
  text: string;
  /** The marks' ids in a piece of `text`. */
  ids(piece: string): number[];
  /** Text built from `text` with each mark turned back: as written in code, escaped elsewhere. */
  restore(text: string, inCode: ReadonlySet<number>): string;
}

/**
 * Gives each special character its own mark, so that the parser can say where each one lands.
 * Structure is kept: a mark starts nothing, and neither do the escapes that replace marks outside
 * code, so the code the parser finds in the marked text is the code of the escaped output.
 */
function markSpecials(src: string): Marks | null {
  const used = new Set(src.match(/[\ue800-\uf8ff]/g));
  let code = MARKERS.last;
  while (code >= MARKERS.first && used.has(String.fromCharCode(code))) code--;
  if (code < MARKERS.first) return null;
  const marker = String.fromCharCode(code);
  const originals: string[] = [];
  const text = src.replace(SPECIAL, (c) => {
    const id = originals.push(c) - 1;
    return marker + String.fromCharCode(DIGIT_ZERO + Math.floor(id / BASE), DIGIT_ZERO + (id % BASE));
  });
  if (originals.length > BASE * BASE) return null;
  const mark = new RegExp(`${marker}([\\ue000-\\ue7ff]{2})`, "g");
  const idOf = (digits: string) =>
    (digits.charCodeAt(0) - DIGIT_ZERO) * BASE + digits.charCodeAt(1) - DIGIT_ZERO;
  return {
    text,
    ids: (piece) => Array.from(piece.matchAll(mark), (m) => idOf(m[1]!)),
    restore: (t, inCode) =>
      t.replace(mark, (_, digits: string) => {
        const id = idOf(digits);
        const c = originals[id]!;
        if (inCode.has(id)) return c;
        return c === "@" ? "@\u200b" : "&lt;";
      }),
  };
}

/**
 * Line ends as GitHub reads them, and tabs where they shape blocks (after spaces, `>` or a list
 * marker) expanded to the 4-column stops CommonMark reads them as: marked and GitHub disagree on
 * such tabs. Whitespace that shows nowhere is dropped where the two read it differently: trailing
 * whitespace holding a tab (GitHub closes a fence on "```\t", marked does not), and lines of only
 * whitespace, in a quote or not (GitHub keeps a list item open across "  " but not across "").
 */
function normalizeWhitespace(md: string): string {
  const lines = md.replace(/\r\n?/g, "\n").split("\n");
  return lines
    .map((line) => {
      // Scanned by hand, not by a regex: a long run of spaces and tabs makes one backtrack for ages.
      const body = line.slice(0, line.length - trailingBlanks(line));
      const tabbed = body.length < line.length && line.includes("\t", body.length);
      const kept = tabbed || /^[ \t>]*$/.test(line) ? body : line;
      return expandLeadingTabs(kept, false);
    })
    .join("\n");
}

/** How many spaces and tabs end `line`. */
function trailingBlanks(line: string): number {
  let n = 0;
  while (n < line.length && (line[line.length - 1 - n] === " " || line[line.length - 1 - n] === "\t")) n++;
  return n;
}

/**
 * Tabs among a line's leading spaces, `>` and list markers, as the spaces to the next multiple of
 * 4 columns they stand for. Unless `all`, tabs that only indent from the margin are kept: 4
 * columns each to every reader, and code keeps them as written.
 */
function expandLeadingTabs(md: string, all: boolean): string {
  if (!md.includes("\t")) return md;
  return md
    .split("\n")
    .map((line) => {
      let end = 0;
      while (end < line.length && " \t>*+-0123456789.)".includes(line[end]!)) end++;
      const lead = line.slice(0, end);
      if (!lead.includes("\t") || (!all && !/[^\t]\t/.test(lead))) return line;
      let out = "";
      for (const c of lead) out += c === "\t" ? " ".repeat(4 - (out.length % 4)) : c;
      return out + line.slice(end);
    })
    .join("\n");
}

/**
 * What the search for code has learnt so far. `tables`: the text has a line that could make the
 * line above it a table's header. `doubt`: a backtick was seen that is in no trusted code span.
 */
interface CodeSearch {
  tables: boolean;
  doubt: boolean;
}

/**
 * Collects the ids of the marks that are in code: in fenced and indented code blocks, and in the
 * code spans of paragraphs, headings and table cells, inside lists and quotes too, in the order
 * they come. Blocks are trusted only where marked and GitHub read lists alike:
 * - in a list item with a lazy line (one less indented than the item's text), no block is: marked
 *   lets such a line go on a fenced block, GitHub ends the item and the block before it;
 * - an indented block counts only at the top level, after a blank line, and with no list before it
 *   unless a block at the margin came between: GitHub reads an indented line right after a link
 *   definition (`[a]: <`) as more of the paragraph the definition is in, and keeps a list item
 *   open where marked may have ended it.
 */
function blockCode(
  marks: Marks,
  tokens: readonly Token[],
  inCode: Set<number>,
  search: CodeSearch,
  trustBlocks = true,
  nested = false,
): void {
  let before = "\n\n";
  let afterList = false;
  for (const token of tokens) {
    if (token.type === "code") {
      const indented = (token as Tokens.Code).codeBlockStyle === "indented";
      if (trustBlocks && (!indented || (!nested && before.endsWith("\n\n") && !afterList))) {
        for (const id of marks.ids(token.raw)) inCode.add(id);
      }
    } else if (token.type === "paragraph" || token.type === "heading" || token.type === "text") {
      if (token.tokens) inlineCode(marks, token.tokens, inCode, search);
    } else if (token.type === "blockquote")
      blockCode(marks, token.tokens ?? [], inCode, search, trustBlocks, true);
    else if (token.type === "list") {
      afterList = true;
      for (const item of (token as Tokens.List).items) {
        blockCode(marks, item.tokens, inCode, search, trustBlocks && lazyLines(item.raw).length === 0, true);
      }
    } else if (token.type === "table") {
      const table = token as Tokens.Table;
      for (const cell of [...table.header, ...table.rows.flat()])
        inlineCode(marks, cell.tokens, inCode, search);
    } else if (token.raw.includes("`")) search.doubt = true;
    // A block at the margin ends any list before it, for GitHub too.
    if (token.type !== "list" && token.type !== "space" && /^\S/.test(token.raw)) afterList = false;
    before = (before + token.raw).slice(-2);
  }
}

/** The lines of a list item, after its first, that are not blank and are less indented than its text. */
function lazyLines(itemRaw: string): string[] {
  const [first = "", ...rest] = itemRaw.split("\n");
  const m = /^( *(?:[*+-]|\d{1,9}[.)]))( *)(.?)/.exec(first);
  if (!m) return rest;
  const spaces = m[2]!.length;
  const indent = m[1]!.length + (m[3] === "" || spaces > 4 ? 1 : spaces);
  return rest.filter((line) => line.trim() !== "" && /^ */.exec(line)![0].length < indent);
}

/** A table's delimiter row (`|---|:-:|`), give or take, with the quote or list it may be in. */
const TABLE_DELIMITER_ROW = /^(?=[^\n]*\|)(?=[^\n]*-)[ \t>|:*+.)\d-]+$/m;

/**
 * Collects the marks in the code spans of one run of inline content (a paragraph, a heading, a
 * table cell), trusting a span only where GitHub cannot read it otherwise:
 * - every backtick before it, here or in any earlier block, is in a trusted span or escaped: one
 *   left over (in a link's URL, or one that closes nothing) can change how GitHub pairs the rest,
 *   as can a paragraph that GitHub reads as going on where marked ended it; and GitHub (cmark)
 *   remembers where it last saw each length of backtick run, so after a failed search it can
 *   miss a closer that is there;
 * - its opening backtick is not glued to an earlier `://` or `www.`, which GitHub's autolinking
 *   would carry on through it, nor to a `](`, whose link GitHub may take it into;
 * - it is on one line: a line of it could start a block (a table, say) where marked saw none;
 * - it holds no `|` where the text could have a table: GitHub splits cells at it first.
 * Past the first span not trusted, none is. In doubt `<` is escaped: that costs at most an `&lt;`
 * shown in code.
 */
function inlineCode(marks: Marks, tokens: readonly Token[], inCode: Set<number>, search: CodeSearch): void {
  const text = tokens.map((t) => t.raw).join("");
  if (!text.includes("`")) return;
  const spans: { start: number; end: number; raw: string }[] = [];
  const escaped = new Set<number>();
  if (search.doubt || !locate(tokens, text, 0, spans, escaped)) {
    search.doubt = true;
    return;
  }
  let from = 0;
  // Whether the run of non-blank characters read so far holds `://`, `www.` or `](`, read once.
  let read = 0;
  let wordStart = 0;
  let glued = false;
  for (const span of [...spans, { start: text.length, end: text.length, raw: "" }]) {
    for (let i = text.indexOf("`", from); i !== -1 && i < span.start; i = text.indexOf("`", i + 1)) {
      if (!escaped.has(i)) search.doubt = true;
    }
    for (; read < span.start; read++) {
      const c = text[read]!;
      if (c === " " || c === "\t" || c === "\n") {
        wordStart = read + 1;
        glued = false;
      } else if (!glued && (c === "/" || c === "." || c === "(")) {
        glued = /(?::\/\/|www\.|\]\()$/i.test(text.slice(Math.max(wordStart, read - 3), read + 1));
      }
    }
    if (glued || span.raw.includes("\n") || (search.tables && span.raw.includes("|"))) search.doubt = true;
    if (search.doubt) return;
    for (const id of marks.ids(span.raw)) inCode.add(id);
    from = span.end;
  }
}

/**
 * Where each code span and escaped backtick sits in `within` (found at `offset` in the run), found
 * in order through the tokens and the tokens inside them. False when a token is not where its
 * `raw` says, so that nothing is trusted then.
 */
function locate(
  tokens: readonly Token[],
  within: string,
  offset: number,
  spans: { start: number; end: number; raw: string }[],
  escaped: Set<number>,
): boolean {
  let cursor = 0;
  for (const token of tokens) {
    const at = within.indexOf(token.raw, cursor);
    if (at < 0) return false;
    if (token.type === "codespan")
      spans.push({ start: offset + at, end: offset + at + token.raw.length, raw: token.raw });
    else if (token.type === "escape" && token.raw === "\\`") escaped.add(offset + at + 1);
    else if (
      "tokens" in token &&
      token.tokens &&
      !locate(token.tokens, token.raw, offset + at, spans, escaped)
    ) {
      return false;
    }
    cursor = at + token.raw.length;
  }
  return true;
}

function noHtml(tokens: Token[] | null): boolean {
  if (tokens === null) return false;
  let html = false;
  gfm.walkTokens(tokens, (token) => {
    if (token.type === "html") html = true;
  });
  return !html;
}

/** The parser's tokens, or null should it ever throw (it guards against its own endless loops). */
function lex(run: () => Token[]): Token[] | null {
  try {
    return run();
  } catch {
    return null;
  }
}

/**
 * `####` for an ATX heading of level 1 to 3; a setext one (underlined with `===` or `---`, which a
 * summary gets by putting `---` right under a line) becomes an ATX `####` on one line.
 */
function demoteHeading(token: Tokens.Heading): string {
  if (token.depth > 3) return token.raw;
  const atx = /^( {0,3})#{1,3}(?=[ \t]|$)/;
  if (atx.test(token.raw)) return token.raw.replace(atx, "$1####");
  const [, body = "", newlines = ""] = /^([\s\S]*?)(\n*)$/.exec(token.raw) ?? [];
  const lines = body.split("\n").slice(0, -1);
  // A closing run of `#` would be dropped from an ATX heading: its first one escaped, it stays.
  const content = lines
    .map((l) => l.trim())
    .join(" ")
    .replace(/([ \t])(#+)$/, "$1\\$2");
  return `#### ${content}${newlines}`;
}

/**
 * The fence that closes a fenced block the text ends inside, or null when it is closed or not
 * fenced. Closed means a line of the same character, at least as long, indented 0-3 spaces, and
 * nothing after it but whitespace.
 */
function missingClosingFence(raw: string): string | null {
  const lines = raw.replace(/\n+$/, "").split("\n");
  const fence = /^ {0,3}(`{3,}|~{3,})/.exec(lines[0]!)?.[1];
  if (fence === undefined) return null;
  const closer = new RegExp(`^ {0,3}${fence[0]}{${fence.length},}[ \\t]*$`);
  return lines.length > 1 && closer.test(lines.at(-1)!) ? null : fence;
}

/**
 * The fallback where the parser cannot be followed: every `<` escaped (`\<` too, as `&lt;`) and
 * every mention defused, code or not, and every line that could open a fence outside a list or
 * quote made plain text, so that nothing stays open. Code then shows as text: that is the price.
 */
function escapeEverywhere(src: string, demoteHeadings: boolean): string {
  const escaped = neutralizeMentions(src.replace(/(?<=(?:^|[^\\])(?:\\\\)*)\\?</g, "&lt;")).replace(
    /^( {0,3})(`{3,}|~{3,})/gm,
    "$1\\$2",
  );
  return demoteHeadings ? escaped.replace(/^( {0,3})#{1,3}(?=[ \t]|$)/gm, "$1####") : escaped;
}

/**
 * The fence of the block the text ends inside, if it does, when every fence line indented 0 to 3
 * spaces is taken to be outside any list: GitHub's reading where it sees no list, or sees lists
 * end earlier than marked does. Both readings must agree on how the text ends.
 */
function fenceOpenAtEnd(text: string): string | null {
  let open: string | null = null;
  for (const line of text.split("\n")) {
    const f = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (!f) continue;
    const [, fence, rest] = f as unknown as [string, string, string];
    if (open !== null) {
      if (fence[0] === open[0] && fence.length >= open.length && rest.trim() === "") open = null;
    } else if (fence[0] === "~" || !rest.includes("`")) open = fence;
  }
  return open;
}

/** A table's delimiter row (`|---|:-:|`), or near enough. */
function isDelimiterRow(line: string): boolean {
  return /^[ \t|:-]+$/.test(line) && line.includes("|") && line.includes("-");
}

/** A line that starts a list item, where GitHub ends a table and marked may read one more row. */
const LIST_ITEM_START = /^ {0,3}(?:[*+-]|\d{1,9}[.)])(?:[ \t]|$)/;

/**
 * Blocks where marked and GitHub part ways, so that no code in the text is trusted:
 * - a lazy line (less indented than its list item's text) that marked put in a code block or a
 *   table, where for GitHub it ends the item and the block; a lazy line (no `>`) in a quote with more than
 *   paragraphs in it;
 * - a list or quote ending in a paragraph followed at once by a block that GitHub may read as more
 *   of that paragraph;
 * - a paragraph followed at once by a list that cannot interrupt it (its first item empty, or
 *   numbered from other than 1);
 * - a table with a line that GitHub reads as a list item, or a paragraph with a line that GitHub
 *   may read as a table's delimiter row;
 * - a link definition (`[a]: <`) followed at once by a block, where GitHub reads the line on as
 *   more of the paragraph it is in.
 */
function blocksInDoubt(tokens: readonly Token[]): boolean {
  return tokens.some((token, i) => {
    const next = following(tokens, i);
    switch (token.type) {
      case "def":
        return next !== undefined && next.type !== "def";
      case "table":
        return token.raw
          .split("\n")
          .slice(1)
          .some((line) => LIST_ITEM_START.test(line));
      case "paragraph":
      case "text":
        // A table GitHub starts in what marked read as a paragraph.
        if (token.raw.split("\n").slice(1).some(isDelimiterRow)) return true;
        // GitHub lets a list interrupt a paragraph only when it starts with an item with text, at 1.
        return (
          next?.type === "list" &&
          /^ {0,3}(?:\d{1,9}(?<!^ {0,3}0*1)[.)]|(?:[*+-]|\d{1,9}[.)])[ \t]*(?:\n|$))/.test(next.raw)
        );
      case "blockquote": {
        const inner = (token as Tokens.Blockquote).tokens;
        const lazy = token.raw.split("\n").filter((line) => line.trim() !== "" && !/^ {0,3}>/.test(line));
        const onlyParagraphs = inner.every((t) => t.type === "paragraph" || t.type === "space");
        return (lazy.length > 0 && !onlyParagraphs) || goesOnLazily(token, next) || blocksInDoubt(inner);
      }
      case "list":
        return (
          goesOnLazily(token, next) ||
          (token as Tokens.List).items.some(
            (item) => inCodeBlock(lazyLines(item.raw), item.tokens) || blocksInDoubt(item.tokens),
          )
        );
      default:
        return false;
    }
  });
}

/**
 * The block right after `tokens[i]`, with no blank line between (marked may put the spaces that
 * end a line in a token of their own), or undefined.
 */
function following(tokens: readonly Token[], i: number): Token | undefined {
  const raw = tokens[i]!.raw;
  let between = raw.slice(raw.trimEnd().length);
  for (let j = i + 1; j < tokens.length; j++) {
    const token = tokens[j]!;
    if (token.type !== "space") return /\n[ \t]*\n/.test(between) ? undefined : token;
    between += token.raw;
  }
  return undefined;
}

/** Whether one of `lines` ends in a line of a code block or table among `tokens`, at any depth. */
function inCodeBlock(lines: readonly string[], tokens: readonly Token[]): boolean {
  if (lines.length === 0) return false;
  let found = false;
  gfm.walkTokens([...tokens], (t) => {
    if (t.type !== "code" && t.type !== "table") return;
    for (const l of t.raw.split("\n")) {
      const code = l.trim();
      if (code !== "" && lines.some((line) => line.trimEnd().endsWith(code))) found = true;
    }
  });
  return found;
}

/**
 * Whether GitHub may read `next`, right after a list or quote that ends in a paragraph, as more of
 * that paragraph (a lazy line), where marked started a block of its own.
 */
function goesOnLazily(token: Token, next: Token | undefined): boolean {
  if (!next || !endsInParagraph(token)) return false;
  const indented = next.type === "code" && (next as Tokens.Code).codeBlockStyle === "indented";
  return indented || ["paragraph", "text", "table", "def"].includes(next.type);
}

/** Whether a list or quote ends in a paragraph (or a table, which GitHub may read as one), which a next line may go on lazily. */
function endsInParagraph(token: Token): boolean {
  const inner: Token[] =
    token.type === "list"
      ? ((token as Tokens.List).items.at(-1)?.tokens ?? [])
      : ((token as Tokens.Blockquote).tokens ?? []);
  const last = inner.findLast((t) => t.type !== "space");
  if (!last) return true;
  if (last.type === "paragraph" || last.type === "text" || last.type === "table") return true;
  return (last.type === "list" || last.type === "blockquote") && endsInParagraph(last);
}

/**
 * The comment is created with the task in it; a mention there would notify people a second time.
 * A zero-width space after `@` keeps the text readable and stops GitHub from linking it.
 */
function neutralizeMentions(text: string): string {
  return text.replace(/(^|[^\w`])@(?=[A-Za-z0-9])/g, "$1@\u200b");
}

function longestRun(text: string): number {
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return longest;
}
