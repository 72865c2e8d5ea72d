/**
 * Markdown from users and the agent, rendered to HTML that is safe to put in the transcript page.
 * Safety comes from what the renderer emits, not from cleaning HTML afterwards: raw HTML is always
 * escaped, and a link or image is emitted only for a URL whose scheme is on an allow-list.
 */

import { Marked, type Tokens } from "marked";
import { escapeHtml } from "./escape-html.js";

const ALLOWED_SCHEMES = new Set(["http:", "https:", "mailto:"]);

const marked = new Marked({
  gfm: true,
  // `async: false` makes `parse` return a string; extensions that need await are not used here.
  async: false,
  // After an inline `<code>`, `<pre>`, `<kbd>` or `<script>` tag, marked passes the text that follows
  // through unescaped (`escaped: true`), trusting the raw tag to be emitted as HTML. Here raw tags are
  // shown as text, so that text must be escaped like any other.
  walkTokens(token) {
    if (token.type === "text" && "escaped" in token && token.escaped) token.escaped = false;
  },
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag): string {
      // Shown as the text it is. A block keeps its own paragraph so it does not run into the next one.
      const text = escapeHtml(token.text);
      return "block" in token && token.block ? `<p>${text.trim()}</p>\n` : text;
    },
    link({ href, title, tokens }: Tokens.Link): string {
      const inner = this.parser.parseInline(tokens);
      const url = safeHref(href);
      if (url === null) return inner;
      return `<a href="${escapeHtml(url)}"${titleAttr(title)} rel="nofollow noopener noreferrer">${inner}</a>`;
    },
    image({ href, title, text, tokens }: Tokens.Image): string {
      const alt = decodeEntities(tokens ? this.parser.parseInline(tokens, this.parser.textRenderer) : text);
      const url = safeHref(href);
      if (url === null) return escapeHtml(alt);
      // A link, not an <img>: an image would be fetched by every viewer's browser from a host the
      // agent (or whoever wrote its input) chose, telling it who reads the transcript and when.
      return `<a href="${escapeHtml(url)}"${titleAttr(title)} rel="nofollow noopener noreferrer" class="image-link">🖼 ${escapeHtml(alt || "image")}</a>`;
    },
  },
});

/** GFM markdown → HTML with raw HTML escaped and only http(s), mailto and relative links kept. */
export function renderMarkdown(md: string): string {
  return marked.parse(md, { async: false });
}

/**
 * The URL a browser will actually follow, or null when it is not allowed. Entities are decoded and
 * the characters browsers ignore in a scheme (controls, whitespace) removed before the check, so
 * `java&#x09;script:` and `javascript&colon;` are judged as the `javascript:` they become. The
 * decoded form is what gets emitted (attribute-escaped), so the check and the browser agree.
 */
function safeHref(href: string): string | null {
  const decoded = decodeEntities(href).replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed.
    /[\u0000-\u0020\u007f-\u009f]+/g,
    (m, offset: number, all: string) =>
      // Browsers strip them at the ends and drop tabs and newlines anywhere (WHATWG URL); dropping all
      // of them makes the emitted URL the one checked. Spaces inside stay, encoded.
      offset === 0 || offset + m.length === all.length ? "" : m.replace(/[^ ]/g, "").replace(/ /g, "%20"),
  );
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(decoded)?.[1];
  if (scheme !== undefined) return ALLOWED_SCHEMES.has(`${scheme.toLowerCase()}:`) ? decoded : null;
  // No scheme: relative (`docs/x.md`, `/a`, `#frag`, `?q`) or protocol-relative `//host`, both http(s).
  // A colon before the first `/?#` without a valid scheme (`1x:`, `:x`) is ambiguous: drop it.
  const beforePath = decoded.split(/[/?#]/, 1)[0] ?? "";
  return beforePath.includes(":") ? null : decoded;
}

const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  colon: ":",
  tab: "\t",
  newline: "\n",
  nbsp: "\u00a0",
  sol: "/",
  lpar: "(",
  rpar: ")",
  period: ".",
};

/**
 * Numeric entities and the named ones that matter for URLs. An unknown named entity stays as
 * written and is emitted with its `&` escaped, so the browser shows it literally rather than decoding it.
 */
function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (m, body: string) => {
    if (body[0] === "#") {
      const code =
        body[1] === "x" || body[1] === "X" ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "\ufffd";
    }
    return NAMED[body.toLowerCase()] ?? m;
  });
}

function titleAttr(title: string | null | undefined): string {
  return title ? ` title="${escapeHtml(decodeEntities(title))}"` : "";
}
