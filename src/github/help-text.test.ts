import { describe, expect, it } from "vitest";
import { configProblemsText, refusalText } from "./answer-texts.js";
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
});
