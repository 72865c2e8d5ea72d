/**
 * Where the mirror cache (mirror-cache.ts) keeps each repository's files under its root, all named
 * `<key>.*` so that one repository's files can be found, and pruned, together:
 *   `<key>.git`        the bare mirror;
 *   `<key>.lock`       its lock (file-lock.ts), touched on every use: the repository's last use;
 *   `<key>.spare-*`    checkouts made ahead of the next run (prepare-spare.ts), ready to claim;
 *   `<key>.prep-*`     a spare being made, outside the lock (left by a killed bridge: stale);
 *   `<key>.tmp-*`, `<key>.old-*`  a mirror being built or swapped out, only ever under the lock.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";

export type MirrorLayout = {
  key: string;
  mirror: string;
  lockFile: string;
  /** Name prefixes (not paths) of ready spares and of spares being made. */
  sparePrefix: string;
  prepPrefix: string;
};

/** The clone URL without user or password: the key of its mirror, so a token never shapes a path. */
export function mirrorKey(cloneUrl: string): string {
  let url = cloneUrl;
  try {
    const parsed = new URL(cloneUrl);
    parsed.username = "";
    parsed.password = "";
    url = parsed.toString();
  } catch {
    // Not a URL (a path, or scp-like user@host:path): keyed as written.
  }
  return createHash("sha256").update(url).digest("hex");
}

/** `<root>/<key>.git`: where the mirror of `cloneUrl` lives. */
export function mirrorPath(root: string, cloneUrl: string): string {
  return join(root, `${mirrorKey(cloneUrl)}.git`);
}

/** Every name the cache uses for `cloneUrl` under `root`. */
export function mirrorLayout(root: string, cloneUrl: string): MirrorLayout {
  const key = mirrorKey(cloneUrl);
  return {
    key,
    mirror: join(root, `${key}.git`),
    lockFile: join(root, `${key}.lock`),
    sparePrefix: `${key}.spare-`,
    prepPrefix: `${key}.prep-`,
  };
}
