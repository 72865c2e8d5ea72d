/**
 * Resets a session's kept HOME before a run uses it: only the agent's conversations
 * (`~/.claude/projects/`) stay. Anything else a run left there would reach the next one, which may be
 * asked for by someone else: settings with hooks or allowed tools (`~/.claude/settings.json`,
 * `~/.claude.json`), memory that goes into every prompt (`~/.claude/CLAUDE.md`), a `~/.gitconfig`,
 * a `~/.bashrc`. The HOME is the agent's: an entry may be a symlink, which is removed, never
 * followed. Throws when something cannot be removed (e.g. a directory the agent made read-only);
 * the caller then gives the run a home of its own.
 */
import { lstatSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/** What survives, from HOME down: a real directory at each step, or it goes too. */
const KEPT = [".claude", "projects"] as const;

export function scrubSessionHome(home: string): void {
  let dir = home;
  for (const keep of KEPT) {
    for (const name of readdirSync(dir)) {
      if (name !== keep) remove(join(dir, name));
    }
    const next = join(dir, keep);
    if (!exists(next)) return;
    if (!lstatSync(next).isDirectory()) {
      remove(next);
      return;
    }
    dir = next;
  }
}

/** Throws when it cannot (force only ignores a path that is already gone). */
function remove(path: string): void {
  // rmSync removes a symlink itself, never what it points at.
  rmSync(path, { recursive: true, force: true });
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
