import { describe, expect, it } from "vitest";
import { blankCodeBlocks, codeBlocks } from "./code-blocks.js";

const code = (text: string) => codeBlocks(text).map(([from, to]) => text.slice(from, to));

describe("codeBlocks", () => {
  it("finds fenced blocks, closed by a fence at least as long, or running to the end", () => {
    expect(code("a\n````\n```\nx\n````\nb")).toEqual(["````\n```\nx\n````"]);
    expect(code("a\n~~~\nx")).toEqual(["~~~\nx"]);
    // A backtick fence's info string has no backtick: that is inline code, not a fence.
    expect(code("```x``` y\nz")).toEqual([]);
  });

  it("finds indented blocks after a blank line, through blank lines, not in a paragraph", () => {
    expect(code("p\n\n    a\n\n    b\nq")).toEqual(["    a\n\n    b"]);
    expect(code("p\n    not code")).toEqual([]);
    expect(code("# Title\n    code")).toEqual(["    code"]);
  });

  it("measures indentation from a list item's content", () => {
    expect(code("1. x\n\n   ```\n   a\n   ```")).toEqual(["   ```\n   a\n   ```"]);
    expect(code("- x\n\n  not code\n\n      code")).toEqual(["      code"]);
    // A fence less indented than the item is outside it.
    expect(code("- x\n```\na\n```")).toEqual(["```\na\n```"]);
    // The item ends at a less indented line, and its fence with it.
    expect(code("- ```\n  a\nb")).toEqual(["- ```\n  a"]);
  });

  it("blanks blocks keeping every offset", () => {
    const text = "p\n```\n@x\n```\nq";
    const blanked = blankCodeBlocks(text);
    expect(blanked).toHaveLength(text.length);
    expect(blanked).toBe("p\n   \n  \n   \nq");
  });
});
