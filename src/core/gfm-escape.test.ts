import { describe, expect, it } from "vitest";
import { codeSpan, fencedBlock, inlineText, sanitizeLine, sanitizeMarkdown, truncate } from "./gfm-escape.js";

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

  it("leaves an already escaped < alone and defuses mentions", () => {
    expect(sanitizeLine("\\<div> thanks @octo-cat, mail a@b.co")).toBe(
      "\\<div> thanks @\u200bocto-cat, mail a@b.co",
    );
  });

  it("stays fast on adversarial backtick soup", () => {
    const soup = "`` ` ".repeat(20_000);
    const started = performance.now();
    sanitizeLine(soup);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe("sanitizeMarkdown", () => {
  it("closes an unclosed fence with the same fence and leaves code untouched", () => {
    expect(sanitizeMarkdown("text <b>\n~~~~\n<b> inside\n```")).toBe(
      "text &lt;b>\n~~~~\n<b> inside\n```\n~~~~",
    );
  });

  it("demotes headings under the comment's h3 when asked", () => {
    expect(sanitizeMarkdown("# A\n## B\n#### C\n```\n# not a heading\n```", { demoteHeadings: true })).toBe(
      "#### A\n#### B\n#### C\n```\n# not a heading\n```",
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
