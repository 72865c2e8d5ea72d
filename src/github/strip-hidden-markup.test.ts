import { describe, expect, it } from "vitest";
import { stripHiddenMarkup } from "./strip-hidden-markup.js";

describe("stripHiddenMarkup", () => {
  it.each([
    ["an HTML comment", "a<!-- hidden -->b", "ab"],
    ["a bidi override", "a\u202Eb", "ab"],
    ["a markdown comment", "a\n[//]: # (hidden)\nb", "a\nb"],
    ["a link reference definition", 'see [docs][1]\n[1]: https://evil.example "hidden"\n', "see [docs][1]\n"],
    ["an element marked hidden", 'a<div hidden>hidden</div>b<span hidden="">x</span>c', "abc"],
    ["attributes", '<img alt="hidden" src="x.png"> <a title="hidden" href="y">link</a>', "<img> <a>link</a>"],
    ["attributes whose quoted values hold >", '<img alt="a>b" title="hidden">', "<img>"],
    ["a hidden element with > in an attribute", '<span title="x>" hidden>hidden</span>ok', "ok"],
    ["a hidden element around a code span", "<span hidden>`hidden`</span>ok", "ok"],
    ["an image's alt text", "![hidden instructions](https://x/p.png)", "![image](https://x/p.png)"],
    ["a link's title", '[docs](https://x "hidden")', "[docs](https://x)"],
  ])("removes %s", (_name, text, expected) => {
    expect(stripHiddenMarkup(text)).toBe(expected);
  });

  it("leaves code as written: there the markup is visible", () => {
    const text = 'use `<img alt="x">` and\n```html\n<div hidden>shown</div>\n[1]: x\n```\n';
    expect(stripHiddenMarkup(text)).toBe(text);
  });
});
