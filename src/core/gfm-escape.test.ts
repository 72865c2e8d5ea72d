import { Marked, type Token } from "marked";
import { describe, expect, it } from "vitest";
import {
  blockquote,
  codeSpan,
  fencedBlock,
  inlineText,
  sanitizeLine,
  sanitizeMarkdown,
  truncate,
} from "./gfm-escape.js";

/** marked with GitHub's flavour, as the rest of the comment is read: the judge of what is HTML and code. */
const gfm = new Marked({ gfm: true });

function tokensOf(md: string): Token[] {
  const all: Token[] = [];
  gfm.walkTokens(gfm.lexer(md), (t) => {
    all.push(t);
  });
  return all;
}

const rawHtml = (md: string) =>
  tokensOf(md)
    .filter((t) => t.type === "html")
    .map((t) => t.raw);
const codeTexts = (md: string) =>
  tokensOf(md)
    .filter((t) => t.type === "code" || t.type === "codespan")
    .map((t) => (t as { text: string }).text);

/** The summary as the status comment embeds it: whatever follows must still be a paragraph of its own. */
function embedded(summary: string): { md: string; html: string[]; last: Token | undefined } {
  const md = `${sanitizeMarkdown(summary, { demoteHeadings: true })}\n\nSENTINEL`;
  return { md, html: rawHtml(md), last: gfm.lexer(md).findLast((t) => t.type !== "space") };
}

describe("sanitizeLine", () => {
  it("escapes raw HTML outside code and keeps code spans as written", () => {
    expect(sanitizeLine("use `<T>()` not <!-- this")).toBe("use `<T>()` not &lt;!-- this");
  });

  it("matches code spans by equal backtick runs, like CommonMark", () => {
    expect(sanitizeLine("``a ` <b>`` <i>")).toBe("``a ` <b>`` &lt;i>");
    expect(sanitizeLine("`` <b>` <i>")).toBe("`` &lt;b>` &lt;i>");
  });

  it("does not let an escaped backtick open a span that would hide HTML", () => {
    expect(sanitizeLine("\\`<!-- `x`")).toBe("\\`&lt;!-- `x`");
    expect(sanitizeLine("\\\\`<b>`")).toBe("\\\\`<b>`");
  });

  it("escapes an already escaped < as well, and defuses mentions", () => {
    // `\<` shows `<` either way; as `&lt;` it stays text even where GitHub's autolinking takes the
    // backslash into a URL (`http://x\<b>`) and it escapes nothing.
    expect(sanitizeLine("\\<div> thanks @octo-cat, mail a@b.co")).toBe(
      "&lt;div> thanks @\u200bocto-cat, mail a@b.co",
    );
    expect(sanitizeLine("see http://x\\<b>")).toBe("see http://x&lt;b>");
  });

  it("finds code spans where GitHub does: a backtick in a link's destination opens none", () => {
    expect(sanitizeLine("[x](`a) <b> `)")).toBe("[x](`a) &lt;b> `)");
  });

  it("escapes in a code span GitHub might not read as one", () => {
    // Glued to a URL, GitHub's autolinking carries on through the backtick.
    expect(sanitizeLine("http://x`<b>` and `<c>`")).toBe("http://x`&lt;b>` and `&lt;c>`");
    // After a backtick run that closes nothing GitHub can miss a closer that is there.
    expect(sanitizeLine("``` a `x` b `<c>`")).toBe("``` a `x` b `&lt;c>`");
  });

  it("stays fast on adversarial backtick soup", () => {
    const soup = "`` ` <".repeat(2_000);
    const started = performance.now();
    sanitizeLine(soup);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe("sanitizeMarkdown", () => {
  it("leaves legitimate code as written: fenced, indented, nested, quoted, in a table and inline", () => {
    const summary = [
      "Added `useState<T>()` and `<Button>`, thanks to @octocat.",
      "",
      "```tsx",
      "export const f = <T,>(x: T) => <b>{String(x)}</b>;",
      "```",
      "",
      "1. Run:",
      "   ```sh",
      "   npm test -- <name>",
      "   ```",
      "2. Then `Array<string>`.",
      "",
      "> ```html",
      "> <details>x</details>",
      "> ```",
      "",
      "| File | Change |",
      "|---|---|",
      "| `a.ts` | `Map<K, V>` |",
      "",
      "Indented:",
      "",
      "    if (a < b) return <T>x;",
    ].join("\n");
    const out = sanitizeMarkdown(summary);
    expect(out).toBe(summary.replace("@octocat", "@\u200boctocat"));
    expect(rawHtml(out)).toEqual([]);
    expect(codeTexts(out)).toEqual([
      "useState<T>()",
      "<Button>",
      "export const f = <T,>(x: T) => <b>{String(x)}</b>;",
      "npm test -- <name>",
      "Array<string>",
      "<details>x</details>",
      "a.ts",
      "Map<K, V>",
      "if (a < b) return <T>x;",
    ]);
  });

  it("never lets a summary leave raw HTML or swallow what follows it", () => {
    const hostile = [
      // A backtick in a backtick fence's info string makes it no fence.
      "Done.\n```js`\n<!--",
      // A fence in a list item ends with the item.
      "Done.\n- item\n  ```\n<details><summary>nothing to see</summary>",
      "> ```\n> <b>\n<!--",
      "> - ```\n<details>",
      "1. step\n   ```sh\n   <cmd>\n   ```\n<details>",
      "- a\n\n      <code>\n<!--",
      // Fences left open, of both kinds, with the other kind inside.
      "```ts\nconst x = 1;",
      "~~~\n<b>\n```",
      "````\n```\n<!--",
      "- ```\n  <details>",
      // Indented code, and what comes after it.
      "text\n\n    <details>\n\n</details>",
      "[a]: <\n    <details>",
      // Whitespace that marked and GitHub read differently.
      "```\nx\n```\t\n<!--",
      "-\n  \n    <summary>x",
      "text\n\n \t<details>",
      // Raw HTML of every kind, and mentions.
      "<!-- hidden",
      "<details><summary>x</summary>",
      "</details>",
      "<script>alert(1)</script>",
      "<img src=x onerror=alert(1)>",
      "<?php x ?> <![CDATA[ x ]]> <!X>",
      "thanks @octo <@x>",
      // Code spans that GitHub pairs differently.
      "``` a `x` b `<c>`",
      "see http://x`<b>` here",
      "[x](`a) <b> `)",
      "http://x\\<b>",
      "| a | b |\n|---|---|\n-\n   ```\n</pre>\n```",
    ];
    for (const summary of hostile) {
      const { md, html, last } = embedded(summary);
      expect({ summary, html }).toEqual({ summary, html: [] });
      expect({ summary, last: last?.type, raw: last?.raw }).toEqual({
        summary,
        last: "paragraph",
        raw: "SENTINEL",
      });
      expect(md).not.toMatch(/(^|[^\w`])@(?!\u200b)[A-Za-z0-9]/);
    }
  });

  it("reads like the two comments that lost their checklist and footer", () => {
    expect(sanitizeMarkdown("Done.\n```js`\n<!--")).toBe("Done.\n```js`\n&lt;!--");
    // Where marked may not read the list as GitHub does, code gets no trust and no fence stays open.
    expect(sanitizeMarkdown("Done.\n- item\n  ```\n<details><summary>nothing to see</summary>")).toBe(
      "Done.\n- item\n  \\```\n&lt;details>&lt;summary>nothing to see&lt;/summary>",
    );
  });

  it("quoted, reads as it did on its own: tabs keep their meaning after the `> `", () => {
    const quoted = blockquote(sanitizeMarkdown("text\n\n\t<details>"));
    expect(quoted).toBe("> text\n>\n>     <details>");
    expect(rawHtml(`${quoted}\n\nSENTINEL`)).toEqual([]);
    expect(codeTexts(quoted)).toEqual(["<details>"]);
  });

  it("closes an unclosed fence with the same fence and leaves code untouched", () => {
    expect(sanitizeMarkdown("text <b>\n~~~~\n<b> inside\n```")).toBe(
      "text &lt;b>\n~~~~\n<b> inside\n```\n~~~~",
    );
  });

  it("demotes headings under the comment's h3 when asked", () => {
    expect(sanitizeMarkdown("# A\n## B\n#### C\n```\n# not a heading\n```", { demoteHeadings: true })).toBe(
      "#### A\n#### B\n#### C\n```\n# not a heading\n```",
    );
    // A line underlined with `---` (or `===`) is a heading too.
    expect(sanitizeMarkdown("Summary <x>\n---\nmore", { demoteHeadings: true })).toBe(
      "#### Summary &lt;x>\nmore",
    );
  });
});

describe("spans and blocks", () => {
  it("code spans and fences survive backticks inside", () => {
    expect(codeSpan("a`b")).toBe("``a`b``");
    expect(codeSpan("`x`")).toBe("`` `x` ``");
    expect(codeSpan("two\nlines")).toBe("`two lines`");
    expect(fencedBlock("```\nx")).toBe("````text\n```\nx\n````");
  });

  it("plain text is shown literally", () => {
    expect(inlineText("Run *all* <tests> [x](y) | `z`", 100)).toBe(
      "Run \\*all\\* \\<tests\\> \\[x\\](y) \\| \\`z\\`",
    );
  });

  it("truncates without splitting a surrogate pair", () => {
    expect(truncate("ab😀cd", 4)).toBe("ab…");
    expect(truncate("abc", 3)).toBe("abc");
  });
});
