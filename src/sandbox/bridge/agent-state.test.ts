import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { AGENT_STATE_FILE, readAgentState, writeAgentState } from "./agent-state.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), "understudy-state-"));
  dirs.push(d);
  return d;
};
const ID = "f9ae77f2-e361-439a-9557-209516ea5602";

it("reads back what it wrote, replacing the earlier state and leaving no temporary file", () => {
  const d = dir();
  expect(readAgentState(d)).toBeNull();
  writeAgentState(d, { agent: "claude-code", conversationId: ID, run: 1 });
  writeAgentState(d, { agent: "claude-code", conversationId: ID, run: 2 });
  expect(readAgentState(d)).toEqual({ agent: "claude-code", conversationId: ID, run: 2 });
  expect(readdirSync(d)).toEqual([AGENT_STATE_FILE]);
});

it("refuses to write a conversation id that is not a UUID", () => {
  const d = dir();
  expect(() => writeAgentState(d, { agent: "claude-code", conversationId: "../../etc", run: 1 })).toThrow();
  expect(readdirSync(d)).toEqual([]);
});

it.each([
  ["not JSON", "{"],
  ["a path as the id", JSON.stringify({ agent: "claude-code", conversationId: "../x", run: 1 })],
  ["an option as the id", JSON.stringify({ agent: "claude-code", conversationId: "--help", run: 1 })],
  ["an unknown agent", JSON.stringify({ agent: "aider", conversationId: ID, run: 1 })],
  ["no run", JSON.stringify({ agent: "claude-code", conversationId: ID })],
  [
    "a huge file",
    JSON.stringify({ agent: "claude-code", conversationId: ID, run: 1, pad: "x".repeat(10_000) }),
  ],
])("reads a state file with %s as no state", (_, text) => {
  const d = dir();
  writeFileSync(join(d, AGENT_STATE_FILE), text);
  expect(readAgentState(d)).toBeNull();
});

it("does not follow a symlink in place of the state file", () => {
  const d = dir();
  const elsewhere = join(d, "elsewhere");
  mkdirSync(elsewhere);
  writeFileSync(
    join(elsewhere, "x.json"),
    JSON.stringify({ agent: "claude-code", conversationId: ID, run: 1 }),
  );
  symlinkSync(join(elsewhere, "x.json"), join(d, AGENT_STATE_FILE));
  expect(readAgentState(d)).toBeNull();
});
