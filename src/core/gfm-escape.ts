/**
 * Putting text from users and the agent into GitHub-flavoured markdown without letting it break
 * the layout around it: an unclosed `<!--`, `<details>` or code fence would otherwise swallow
 * everything after it, and a stray backtick would end a code span early.
 */

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

export function blockquote(md: string): string {
  return md
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
 * `demoteHeadings` keeps headings at h4 or below, under the comment's own h3 headline.
 */
export function sanitizeMarkdown(md: string, opts: { demoteHeadings?: boolean } = {}): string {
  let fence: string | null = null;
  const out: string[] = [];
  for (const line of md.split("\n")) {
    const f = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (fence === null && f) {
      fence = f[1]!;
      out.push(line);
    } else if (fence !== null) {
      if (f && f[1]![0] === fence[0] && f[1]!.length >= fence.length && f[2]!.trim() === "") fence = null;
      out.push(line);
    } else {
      const demoted = opts.demoteHeadings ? line.replace(/^( {0,3})#{1,3}(?=[ \t]|$)/, "$1####") : line;
      out.push(sanitizeLine(demoted));
    }
  }
  if (fence !== null) out.push(fence);
  return out.join("\n");
}

/**
 * Escapes `<` and defuses mentions outside code spans. Code spans are found as CommonMark finds
 * them: an opening backtick string closes at the next backtick string of the same length, and a
 * backslash escapes a backtick only outside a span. Linear-ish: inputs are agent-sized.
 */
export function sanitizeLine(line: string): string {
  const runs = [...line.matchAll(/`+/g)].map((m) => [m.index, m.index + m[0].length] as const);
  const byLength = new Map<number, number[]>();
  runs.forEach(([start, end], r) => {
    const list = byLength.get(end - start) ?? [];
    list.push(r);
    byLength.set(end - start, list);
  });
  const nextOfLength = (length: number, after: number): number => {
    const list = byLength.get(length) ?? [];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]! <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo < list.length ? list[lo]! : -1;
  };

  let out = "";
  let plainStart = 0;
  let r = 0;
  while (r < runs.length) {
    const [start, end] = runs[r]!;
    let backslashes = 0;
    for (let k = start - 1; k >= plainStart && line[k] === "\\"; k--) backslashes++;
    const open = backslashes % 2 === 1 ? start + 1 : start;
    const close = open < end ? nextOfLength(end - open, r) : -1;
    if (close < 0) {
      r++;
      continue;
    }
    out += escapePlain(line.slice(plainStart, open));
    out += line.slice(open, runs[close]![1]);
    plainStart = runs[close]![1];
    r = close + 1;
  }
  return out + escapePlain(line.slice(plainStart));
}

/** `<` becomes `&lt;` unless a backslash already escapes it. */
function escapePlain(text: string): string {
  return neutralizeMentions(
    text.replace(/(\\*)</g, (m, bs: string) => (bs.length % 2 === 1 ? m : `${bs}&lt;`)),
  );
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
