import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { conversationFile } from "./conversation-file.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const home = () => {
  const d = mkdtempSync(join(tmpdir(), "understudy-conv-"));
  dirs.push(d);
  return d;
};
const ID = "01f9ac4f-486d-44c6-9fed-19c6c6692958";

it("finds Claude Code's conversation under whichever project (cwd) started it", () => {
  const h = home();
  expect(conversationFile("claude-code", h, ID)).toBeNull();
  mkdirSync(join(h, ".claude", "projects", "-tmp-a"), { recursive: true });
  mkdirSync(join(h, ".claude", "projects", "-tmp-b", "memory"), { recursive: true });
  const file = join(h, ".claude", "projects", "-tmp-b", `${ID}.jsonl`);
  writeFileSync(file, "{}\n");
  expect(conversationFile("claude-code", h, ID)).toBe(file);
  expect(conversationFile("claude-code", h, "01f9ac4f-486d-44c6-9fed-000000000000")).toBeNull();
});

it("looks for nothing with an id that is not a UUID, or for Codex", () => {
  const h = home();
  mkdirSync(join(h, ".claude", "projects", "p"), { recursive: true });
  writeFileSync(join(h, ".claude", "projects", "p", "x.jsonl"), "{}\n");
  expect(conversationFile("claude-code", h, "x")).toBeNull();
  expect(conversationFile("claude-code", h, "*")).toBeNull();
  writeFileSync(join(h, ".claude", "projects", "p", `${ID}.jsonl`), "{}\n");
  expect(conversationFile("codex", h, ID)).toBeNull();
});

it("follows no symlink the agent may have left in its home", () => {
  const h = home();
  const outside = home();
  mkdirSync(join(outside, "p"), { recursive: true });
  writeFileSync(join(outside, "p", `${ID}.jsonl`), "{}\n");
  mkdirSync(join(h, ".claude"), { recursive: true });
  symlinkSync(outside, join(h, ".claude", "projects"));
  expect(conversationFile("claude-code", h, ID)).toBeNull();
  rmSync(join(h, ".claude", "projects"));
  mkdirSync(join(h, ".claude", "projects", "p"), { recursive: true });
  symlinkSync(join(outside, "p", `${ID}.jsonl`), join(h, ".claude", "projects", "p", `${ID}.jsonl`));
  expect(conversationFile("claude-code", h, ID)).toBeNull();
});
