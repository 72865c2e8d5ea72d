import { marked } from "marked";
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./render-markdown.js";

const SAFE_TAGS = new Set([
  "p",
  "a",
  "img",
  "code",
  "pre",
  "em",
  "strong",
  "del",
  "ul",
  "ol",
  "li",
  "input",
  "br",
]);

/**
 * What a browser would act on in `html`: real tags (user `<` must all be escaped by now) outside a
 * small set, event-handler attributes, and URLs that are not http(s), mailto or relative.
 */
function unsafeParts(html: string): string[] {
  const problems: string[] = [];
  for (const [tag, name = "", attrs = ""] of html.matchAll(/<\/?([a-z][a-z0-9]*)([^>]*)>/gi)) {
    if (!SAFE_TAGS.has(name.toLowerCase())) problems.push(tag);
    for (const [attr, key = "", value = ""] of attrs.matchAll(/([a-z-]+)(?:="([^"]*)")?/gi)) {
      if (/^on/i.test(key)) problems.push(attr);
      if ((key === "href" || key === "src") && !/^(https?:|mailto:|[#/]|[\w.-]+(\/|$))/i.test(value))
        problems.push(attr);
    }
  }
  return problems;
}

describe("renderMarkdown", () => {
  it("renders GitHub-flavoured markdown", () => {
    expect(
      renderMarkdown(
        "## Plan\n\n- [x] read `date.ts`\n- [ ] fix ~~it~~ **now**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```ts\nconst a = 1 < 2;\n```\n\nSee https://example.com and [docs](docs/x.md).",
      ),
    ).toMatchInlineSnapshot(`
      "<h2>Plan</h2>
      <ul>
      <li><input checked="" disabled="" type="checkbox"> read <code>date.ts</code></li>
      <li><input disabled="" type="checkbox"> fix <del>it</del> <strong>now</strong></li>
      </ul>
      <table>
      <thead>
      <tr>
      <th>a</th>
      <th>b</th>
      </tr>
      </thead>
      <tbody><tr>
      <td>1</td>
      <td>2</td>
      </tr>
      </tbody></table>
      <pre><code class="language-ts">const a = 1 &lt; 2;
      </code></pre>
      <p>See <a href="https://example.com" rel="nofollow noopener noreferrer">https://example.com</a> and <a href="docs/x.md" rel="nofollow noopener noreferrer">docs</a>.</p>
      "
    `);
  });

  it.each([
    ["script tag", "<script>alert(1)</script>"],
    ["img onerror", 'hello <img src=x onerror="alert(1)"> world'],
    ["raw anchor", '<a href="javascript:alert(1)">click</a>'],
    ["html block", "<div onclick=alert(1)>\n\n*x*\n\n</div>"],
    ["iframe", '<iframe src="https://evil.example"></iframe>'],
    ["svg", "<svg><script>alert(1)</script></svg>"],
    ["style", "<style>body{display:none}</style>"],
    ["javascript link", "[x](javascript:alert(1))"],
    ["upper-case scheme with spaces", "[x]( JavaScript:alert(1))"],
    ["entity-encoded colon", "[x](javascript&#58;alert(1))"],
    ["hex entity colon", "[x](javascript&#x3A;alert(1))"],
    ["named entity colon", "[x](javascript&colon;alert(1))"],
    ["entity-encoded first letter", "[x](&#106;avascript:alert(1))"],
    ["tab inside the scheme", "[x](java&#x09;script:alert(1))"],
    ["angle-bracket destination", "[x](<javascript:alert(1)>)"],
    ["autolink", "<javascript:alert(1)>"],
    ["reference definition", "[x][r]\n\n[r]: vbscript:msgbox(1)"],
    ["data link", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"],
    ["data image", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"],
    ["javascript image", "![x](javascript:alert(1))"],
    ["unknown scheme", "[x](file:///etc/passwd)"],
  ])("neutralises %s", (_name, payload) => {
    expect(unsafeParts(renderMarkdown(payload))).toEqual([]);
  });

  it("the checker itself catches what it should", () => {
    expect(unsafeParts('<a href="javascript:x" onclick="y">')).toEqual([
      'href="javascript:x"',
      'onclick="y"',
    ]);
    expect(unsafeParts("<script>")).toEqual(["<script>"]);
  });

  it("drops a disallowed link but keeps its text", () => {
    expect(renderMarkdown("[click me](javascript:alert(1))")).toBe("<p>click me</p>\n");
    expect(renderMarkdown("![a cat](data:image/png;base64,AAAA)")).toBe("<p>a cat</p>\n");
  });

  it("shows raw HTML as text instead of rendering it", () => {
    expect(renderMarkdown("<script>alert(1)</script>")).toBe(
      "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n",
    );
    expect(renderMarkdown("a <img src=x onerror=alert(1)> b")).toBe(
      "<p>a &lt;img src=x onerror=alert(1)&gt; b</p>\n",
    );
    expect(renderMarkdown("<!-- hidden -->shown")).toBe("<p>&lt;!-- hidden --&gt;shown</p>\n");
  });

  it("keeps quotes from breaking out of attributes", () => {
    const html = renderMarkdown(
      '[q](https://e.example/"onmouseover="alert(1) "t\\" onclick=\\"x") ![a"b](https://i.example/p.png)',
    );
    expect(html).toBe(
      '<p><a href="https://e.example/&quot;onmouseover=&quot;alert(1)" title="t&quot; onclick=&quot;x" rel="nofollow noopener noreferrer">q</a> <a href="https://i.example/p.png" rel="nofollow noopener noreferrer" class="image-link">🖼 a&quot;b</a></p>\n',
    );
  });

  it("keeps http(s), mailto, relative and fragment links, each with rel=nofollow noopener noreferrer", () => {
    const html = renderMarkdown(
      "[a](https://example.com/a?b=1&amp;c=2) [b](http://x.example) [c](mailto:dev@example.com) [d](docs/x.md) [e](/abs) [f](#frag) [g](//cdn.example/y)",
    );
    expect(html.match(/href="[^"]*"/g)).toEqual([
      'href="https://example.com/a?b=1&amp;c=2"',
      'href="http://x.example"',
      'href="mailto:dev@example.com"',
      'href="docs/x.md"',
      'href="/abs"',
      'href="#frag"',
      'href="//cdn.example/y"',
    ]);
    expect(html.match(/rel="nofollow noopener noreferrer"/g)).toHaveLength(7);
  });

  it("escapes code, and code languages cannot inject attributes", () => {
    expect(renderMarkdown('```"><script>\n<b>x</b>\n```')).toBe(
      '<pre><code class="language-&quot;&gt;&lt;script&gt;">&lt;b&gt;x&lt;/b&gt;\n</code></pre>\n',
    );
  });

  it("does not change marked's global defaults", () => {
    renderMarkdown("x");
    expect(marked.parse("<b>raw</b>", { async: false })).toBe("<p><b>raw</b></p>\n");
  });

  it("escapes the text after an inline raw <code>, <pre>, <kbd> or <script> tag", () => {
    for (const tag of ["code", "pre", "kbd", "script"]) {
      const html = renderMarkdown(`<${tag}>x <img/src="x"/onerror="alert(1)"></${tag}>`);
      expect(html).not.toMatch(/<img/i);
      expect(html).toContain("&lt;img/src=&quot;x&quot;/onerror=&quot;alert(1)&quot;&gt;");
    }
  });
});
