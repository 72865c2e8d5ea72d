/**
 * Where an agent keeps a conversation in its HOME, so the bridge can tell whether a run can continue
 * it: Claude Code 2.1.330 writes `~/.claude/projects/<cwd key>/<session_id>.jsonl` (the key is the
 * cwd of the run that started it; `--resume` finds it from any cwd, measured against the scripted
 * model server). Codex continues no conversation yet: `codex exec resume` works offline, but its
 * `turn.completed` usage is the thread's total since its first run, which the Codex stream would count
 * again as this run's; so a Codex run reports no conversation id, and no Codex file is looked for.
 *
 * The HOME is the agent's, and the agent may have replaced any of it with a symlink: nothing here
 * reads a file, it only lists directories and looks at entries with lstat (a symlink planted at
 * `~/.claude` is followed to list `projects`, which tells no more than whether a file exists there;
 * the id then goes to `--resume` inside the sandbox).
 */
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { AgentName } from "../../core/wire.js";
import { ConversationId } from "./agent.js";

/** The conversation's file under `home`, or null when there is none (or `id` is not a conversation id). */
export function conversationFile(agent: AgentName, home: string, id: string): string | null {
  if (!ConversationId.safeParse(id).success) return null;
  return agent === "claude-code" ? claudeSession(home, id) : null;
}

function claudeSession(home: string, id: string): string | null {
  const projects = join(home, ".claude", "projects");
  for (const project of subdirectories(projects)) {
    const file = join(projects, project, `${id}.jsonl`);
    if (isFile(file)) return file;
  }
  return null;
}

/** A real directory's entries (none for a symlink, a file or nothing). */
function entries(dir: string): string[] {
  if (!isDirectory(dir)) return [];
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function subdirectories(dir: string): string[] {
  return entries(dir).filter((name) => isDirectory(join(dir, name)));
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}
