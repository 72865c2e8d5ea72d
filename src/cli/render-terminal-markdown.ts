/**
 * A status comment (GitHub-flavoured markdown) made readable in a terminal, for `understudy demo`
 * and replay. Walks marked's tokens rather than patching the text, so nesting (a checklist inside
 * <details>, a code span inside a link) comes out right.
 */
import { Marked, type Token, type Tokens } from "marked";

type Style = "bold" | "dim" | "italic" | "strike" | "green" | "red" | "yellow" | "cyan";

const SGR: Record<Style, readonly [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  italic: [3, 23],
  strike: [9, 29],
  green: [32, 39],
  red: [31, 39],
  yellow: [33, 39],
  cyan: [36, 39],
};

const lexer = new Marked({ gfm: true });

/**
 * Renders markdown for a terminal: HTML comments dropped, headings bold, checklists as ✔ ○ ✖,
 * links as `text <url>`, blockquotes behind `│ `, code spans kept, every line indented two spaces.
 * ANSI colours only with `color: true` (callers pass `process.stdout.isTTY`).
 */
export function renderTerminalMarkdown(md: string, opts: { color?: boolean } = {}): string {
  const paint = (style: Style, text: string) =>
    opts.color && text !== "" ? `\x1b[${SGR[style][0]}m${text}\x1b[${SGR[style][1]}m` : text;
  // Agent text could carry its own escape sequences (OSC title changes, fake prompts): controls go.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
  const clean = md.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "");
  return new TerminalRenderer(paint)
    .blocks(lexer.lexer(clean))
    .split("\n")
    .map((line) => (line.trim() === "" ? "" : `  ${line}`))
    .join("\n");
}

class TerminalRenderer {
  constructor(private readonly paint: (style: Style, text: string) => string) {}

  /** Block tokens, separated by one blank line. */
  blocks(tokens: readonly Token[]): string {
    return tokens
      .map((t) => this.block(t))
      .filter((s) => s.trim() !== "")
      .join("\n\n");
  }

  private block(t: Token): string {
    switch (t.type) {
      case "heading":
        return this.paint("bold", this.inline(t.tokens ?? []));
      case "paragraph":
        return this.inline(t.tokens ?? []);
      case "text":
        return t.tokens ? this.inline(t.tokens) : decode(t.text);
      case "blockquote":
        return this.blocks(t.tokens ?? [])
          .split("\n")
          .map((line) => `${this.paint("dim", "│")} ${line}`.trimEnd())
          .join("\n");
      case "list":
        return (t as Tokens.List).items.map((item, i) => this.listItem(item, t as Tokens.List, i)).join("\n");
      case "code":
        return t.text
          .split("\n")
          .map((line: string) => `    ${this.paint("dim", line)}`)
          .join("\n");
      case "hr":
        return this.paint("dim", "─".repeat(40));
      case "html":
        return this.html(t.text, true);
      case "table": {
        const table = t as Tokens.Table;
        const row = (cells: Tokens.TableCell[]) => cells.map((c) => this.inline(c.tokens)).join(" │ ");
        return [this.paint("bold", row(table.header)), ...table.rows.map(row)].join("\n");
      }
      default:
        // space, def, checkbox and anything newer: nothing to show on its own.
        return "";
    }
  }

  private listItem(item: Tokens.ListItem, list: Tokens.List, index: number): string {
    const content = item.tokens.filter((t) => t.type !== "checkbox");
    let body = this.blocks(content).replace(/\n\n+/g, "\n");
    let glyph: string;
    if (item.task) {
      // The status comment marks failed steps `- [ ] ❌ …`: one glyph says it better than two.
      const failed = /^❌\s*/.test(body);
      if (failed) body = body.replace(/^❌\s*/, "");
      glyph = failed
        ? this.paint("red", "✖")
        : item.checked
          ? this.paint("green", "✔")
          : this.paint("yellow", "○");
    } else {
      glyph = list.ordered ? `${(Number(list.start) || 1) + index}.` : "•";
    }
    const pad = " ".repeat(stripAnsi(glyph).length + 1);
    return body
      .split("\n")
      .map((line, i) => (i === 0 ? `${glyph} ${line}` : `${pad}${line}`))
      .join("\n");
  }

  private inline(tokens: readonly Token[]): string {
    let out = "";
    let dim = false;
    for (const t of tokens) {
      if (t.type === "html") {
        // <sub> holds the footer (run, tokens, cost): secondary, so dimmed while it lasts.
        if (/^<sub>/i.test(t.text)) dim = true;
        else if (/^<\/sub>/i.test(t.text)) dim = false;
        else out += this.html(t.text, false);
        continue;
      }
      const text = this.span(t);
      out += dim ? this.paint("dim", text) : text;
    }
    return out;
  }

  private span(t: Token): string {
    switch (t.type) {
      case "text":
        return t.tokens ? this.inline(t.tokens) : decode(t.text);
      case "escape":
        return t.text;
      case "strong":
        return this.paint("bold", this.inline(t.tokens ?? []));
      case "em":
        return this.paint("italic", this.inline(t.tokens ?? []));
      case "del":
        return this.paint("strike", this.inline(t.tokens ?? []));
      case "codespan":
        return this.paint("cyan", `\`${decode(t.text)}\``);
      case "br":
        return "\n";
      case "link": {
        const text = this.inline(t.tokens ?? []);
        return stripAnsi(text) === t.href
          ? this.paint("cyan", t.href)
          : `${text} ${this.paint("dim", `<${t.href}>`)}`;
      }
      case "image":
        return `[image: ${decode(t.text)}] ${this.paint("dim", `<${t.href}>`)}`;
      default:
        return "raw" in t && typeof t.raw === "string" ? t.raw : "";
    }
  }

  /** Comments vanish; `<summary>` becomes a ▸ title; other tags are dropped and their text kept. */
  private html(text: string, block: boolean): string {
    const shown = text
      .replace(/<!--[\s\S]*?(-->|$)/g, "")
      .replace(
        /<summary>([\s\S]*?)<\/summary>/gi,
        (_, title: string) => `▸ ${this.paint("bold", title.trim())}`,
      )
      .replace(/<\/?[a-z][^>]*>/gi, "");
    return block ? decode(shown).trim() : decode(shown);
  }
}

function decode(text: string): string {
  return text
    .replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos|nbsp);/gi, (m, body: string) => {
      if (body[0] === "#") {
        const code =
          body[1] === "x" || body[1] === "X" ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
      }
      const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'", nbsp: " " };
      return named[body.toLowerCase()] ?? m;
    })
    .replace(/@\u200b/g, "@");
}

function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is the start of every ANSI sequence.
  return text.replace(/\x1b\[\d+m/g, "");
}
