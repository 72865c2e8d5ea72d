import { describe, expect, it } from "vitest";
import * as z from "zod";
import { configProblemsText, refusalText, startFailedText } from "./answer-texts.js";
import { helpText } from "./help-text.js";
import { CONFIG_KEYS } from "./repo-config.js";

describe("helpText", () => {
  it("lists the commands, the flags and every setting of the config file", () => {
    const text = helpText({ handle: "understudy", label: "understudy" });
    for (const word of ["stop", "status", "retry", "help"]) expect(text).toContain(`\`@understudy ${word}\``);
    for (const flag of ["--model", "--agent", "--base", "--draft"]) expect(text).toContain(flag);
    expect(text).toContain(".github/understudy.yml");
    for (const key of CONFIG_KEYS) expect(text).toMatch(new RegExp(`^${key}:`, "m"));
  });

  it("says why it is the answer, and never pings the handle (it may be somebody's login)", () => {
    const text = helpText({
      handle: "helper",
      label: "agent-task",
      problem: "`--fast` is not a flag I know.",
    });
    expect(text.startsWith("`--fast` is not a flag I know. Here is what I understand:")).toBe(true);
    expect(text).toContain("labelled `agent-task`");
    // Every @helper is inside a code span or the YAML block.
    const outsideCode = text.replace(/```[\s\S]*?```/g, "").replace(/`[^`]*`/g, "");
    expect(outsideCode).not.toContain("@helper");
  });
});

describe("answers", () => {
  it("refuses politely, saying why", () => {
    expect(refusalText("bob", "no_write_access")).toMatch(
      /^Thanks for asking, @bob\. Only people with write access/,
    );
    expect(refusalText("carol", "not_listed")).toContain("`allowed_users`");
  });

  it("reports config problems by key, each value quoted safely", () => {
    const text = configProblemsText("alice", [
      { path: "model", message: "must be a model name" },
      { path: null, message: "invalid YAML at line 2, column 1:\n\nmodel: [x\n^" },
    ]);
    expect(text).toContain("- `model`: must be a model name");
    expect(text).toContain(
      "- the file: invalid YAML at line 2, column 1:\n\n  ```text\n  model: [x\n  ^\n  ```",
    );
  });

  it("says in one plain line why a request could not start", () => {
    const notFound = Object.assign(new Error("Not Found - https://docs.github.com/rest/pulls/pulls"), {
      status: 404,
    });
    expect(startFailedText("alice", notFound)).toBe(
      "@alice I could not start on this: GitHub answered 404 (Not Found - https://docs.github.com/rest/pulls/pulls).",
    );
    const zod = z.object({ head: z.object({ ref: z.string() }) }).safeParse({ head: {} }).error;
    expect(startFailedText("alice", zod)).toMatch(
      /^@alice I could not start on this: GitHub's answer was not what I expected at head\.ref: Invalid input/,
    );
    expect(startFailedText("alice", new Error("boom.\nstack"), 8)).toBe(
      "@alice I could not start on this: boom (tried 8 times).",
    );
    // The reason is plain text: no markup, no pings.
    expect(startFailedText("alice", new Error("<b>@bob</b> `x`"))).not.toMatch(/<b>|`x`|(?<!\S)@bob/);
  });
});
