import { readFile } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";

/**
 * The object directories outside `objectsDir` that a repository borrows from, following
 * objects/info/alternates the way git does (nested, relative to the directory that names them).
 * A sandbox that shows the agent only bound paths must bind these too, read-only.
 */
export async function alternateObjectDirs(objectsDir: string, depth = 0): Promise<string[]> {
  // git itself stops at 5 levels of nesting.
  if (depth >= 5) return [];
  let text: string;
  try {
    text = await readFile(join(objectsDir, "info", "alternates"), "utf8");
  } catch {
    return [];
  }
  const dirs: string[] = [];
  for (const line of text.split("\n")) {
    const entry = line.trim();
    if (entry === "" || entry.startsWith("#")) continue;
    const dir = isAbsolute(entry) ? entry : resolve(objectsDir, entry);
    for (const d of [dir, ...(await alternateObjectDirs(dir, depth + 1))])
      if (!dirs.includes(d)) dirs.push(d);
  }
  return dirs;
}
