import { describe, expect, it } from "vitest";
import { isBranchName, parseCommand } from "./parse-command.js";

const parse = (body: string) => parseCommand(body, "understudy");

describe("parseCommand", () => {
  it("is null when the bot is not called", () => {
    expect(parse("please fix this")).toBeNull();
    expect(parse("> @understudy stop")).toBeNull();
  });

  it.each([
    ["@understudy stop", "stop", "mention"],
    ["@understudy Status", "status", "mention"],
    ["/understudy retry", "retry", "slash"],
    ["Thanks! @understudy stop.", "stop", "mention"],
    ["looks wrong\n\n@understudy retry\n\nsorry for the noise", "retry", "mention"],
  ])("%j is the session command %s", (body, command, form) => {
    expect(parse(body)).toEqual({ kind: "session", command, form });
  });

  it.each([
    ["@understudy stop using var in utils.ts", "stop using var in utils.ts"],
    ["@understudy help me write tests for the parser", "help me write tests for the parser"],
    ["/understudy retry the flaky test with a longer timeout", "retry the flaky test with a longer timeout"],
  ])("%j is a request, not a command: a command word is alone on its line", (body, task) => {
    expect(parse(body)).toMatchObject({ kind: "prompt", task });
  });

  it.each([
    ["@understudy help"],
    ["/understudy help"],
    ["@understudy"],
    ["/understudy"],
    ["@understudy --draft"],
  ])("%j asks for help", (body) => {
    expect(parse(body)).toMatchObject({ kind: "help", problem: null });
  });

  it("takes a prompt with every flag out of the text", () => {
    expect(
      parse(
        "@understudy --model claude-opus-4-1 add a CHANGELOG --draft\n--base release/2.x --agent=claude-code",
      ),
    ).toEqual({
      kind: "prompt",
      form: "mention",
      task: "add a CHANGELOG",
      flags: { model: "claude-opus-4-1", draft: true, base: "release/2.x", agent: "claude-code" },
    });
  });

  it("reads a prompt after a slash, flags in the middle", () => {
    expect(parse("/understudy fix --draft the flaky date test")).toEqual({
      kind: "prompt",
      form: "slash",
      task: "fix the flaky date test",
      flags: { draft: true },
    });
  });

  it("leaves `--words` in code alone, and the code's layout too", () => {
    const body = "@understudy make `--verbose` work:\n```\n  cli  --verbose\n```";
    expect(parse(body)).toEqual({
      kind: "prompt",
      form: "mention",
      task: "make `--verbose` work:\n```\n  cli  --verbose\n```",
      flags: {},
    });
  });

  it.each([
    ["an indented code block", "@understudy make this work:\n\n    cli --fast --base x --draft\n"],
    ["a fence in a list item", "@understudy make this work:\n1. run\n   ```\n   cli --fast --draft\n   ```"],
    ["a fence indented by 2 spaces", "@understudy make this work:\n  ```\n  cli --model\n  ```"],
  ])("leaves `--words` in %s alone", (_name, body) => {
    const c = parse(body);
    expect(c).toMatchObject({ kind: "prompt", flags: {} });
    expect(c?.kind === "prompt" ? c.task : "").toContain("cli --");
  });

  it("still reads a flag after an indented code block", () => {
    expect(parse("@understudy make this work:\n\n    cli --fast\n\nas a draft --draft")).toMatchObject({
      kind: "prompt",
      flags: { draft: true },
    });
  });

  it("a prompt may start with a word that is a command elsewhere in the sentence", () => {
    expect(parse("@understudy please stop the test from flaking")).toMatchObject({
      kind: "prompt",
      task: "please stop the test from flaking",
    });
  });

  it.each([
    ["an unknown word after a slash", "/understudy frobnicate", /`frobnicate` is not a command/],
    ["an unknown flag", "@understudy fix it --fast", /`--fast` is not a flag/],
    ["a flag without its value", "@understudy fix it --model", /`--model` needs a value/],
    ["a flag followed by another flag", "@understudy fix it --base --draft", /`--base` needs a value/],
    ["a value on a switch", "@understudy fix it --draft=yes", /`--draft` takes no value/],
    ["an unknown agent", "@understudy fix it --agent gemini", /`--agent gemini` is not an agent/],
    ["a bad model name", "@understudy fix it --model=$(rm)", /is not a model name/],
    ["a bad branch", "@understudy fix it --base ../main", /`--base \.\.\/main` is not a branch name/],
    ["a flag given twice", "@understudy fix --draft it --draft", /`--draft` is given twice/],
  ])("answers %s with help and the reason", (_name, body, reason) => {
    const c = parse(body);
    expect(c?.kind).toBe("help");
    expect(c?.kind === "help" ? c.problem : "").toMatch(reason);
  });

  it("a single unknown word after a mention is a prompt (only a slash reads as a command)", () => {
    expect(parse("@understudy lint")).toMatchObject({ kind: "prompt", task: "lint" });
  });

  it("does not read dashes in prose as flags", () => {
    expect(parse("@understudy use a -- b and foo--bar")).toMatchObject({
      kind: "prompt",
      task: "use a -- b and foo--bar",
      flags: {},
    });
  });
});

describe("isBranchName", () => {
  it.each(["main", "release/2.x", "feature/login-page", "v1.0"])("accepts %s", (b) => {
    expect(isBranchName(b)).toBe(true);
  });
  it.each(["", "a b", "a..b", "-x", "/x", "x/", "x.", "x.lock", "a/.b", "a~1", "a^", "a:b", "@", "a@{1}"])(
    "refuses %j",
    (b) => {
      expect(isBranchName(b)).toBe(false);
    },
  );
});
