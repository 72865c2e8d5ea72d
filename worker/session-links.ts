/**
 * Which session a pull request belongs to. A session owns its branch and its pull request, so a
 * comment on that pull request must reach the session that opened it, not start a new one keyed by
 * the PR's number. One Durable Object per repository holds the links of its sessions; a link is
 * written once (the first writer wins) and kept as long as the repository's sessions are. It also
 * keeps the heads each pull request had and when (see headAt).
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "./env.js";

export class SessionLinks extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(
        `CREATE TABLE IF NOT EXISTS links (thread TEXT PRIMARY KEY, session_key TEXT NOT NULL, at INTEGER NOT NULL)`,
      );
      // Each pull request's heads as GitHub announced them (opened, reopened, synchronize), so a
      // trigger can start from the head its pull request had when the comment was written.
      ctx.storage.sql.exec(
        `CREATE TABLE IF NOT EXISTS heads (pr INTEGER NOT NULL, sha TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (pr, sha, at))`,
      );
    });
  }

  /**
   * Routes `thread` (a `<repoId>#<number>` key) to `sessionKey`. Idempotent; a thread already linked
   * keeps its first session. Returns the session the thread is linked to.
   */
  async link(thread: string, sessionKey: string): Promise<string> {
    this.ctx.storage.sql.exec(
      `INSERT OR IGNORE INTO links (thread, session_key, at) VALUES (?, ?, ?)`,
      thread,
      sessionKey,
      Date.now(),
    );
    return (await this.resolve(thread)) ?? sessionKey;
  }

  /** Records that pull request `pr` had head `sha` from `atMs` on (GitHub's clock). Idempotent. */
  async recordHead(pr: number, sha: string, atMs: number): Promise<void> {
    this.ctx.storage.sql.exec(`INSERT OR IGNORE INTO heads (pr, sha, at) VALUES (?, ?, ?)`, pr, sha, atMs);
  }

  /** The head pull request `pr` had at `atMs`: the last one recorded at or before it, or null. */
  async headAt(pr: number, atMs: number): Promise<string | null> {
    const row = this.ctx.storage.sql
      .exec<{ sha: string }>(
        `SELECT sha FROM heads WHERE pr = ? AND at <= ? ORDER BY at DESC LIMIT 1`,
        pr,
        atMs,
      )
      .toArray()[0];
    return row?.sha ?? null;
  }

  /** The session a thread is linked to, or null when it has its own. */
  async resolve(thread: string): Promise<string | null> {
    const row = this.ctx.storage.sql
      .exec<{ session_key: string }>(`SELECT session_key FROM links WHERE thread = ?`, thread)
      .toArray()[0];
    return row?.session_key ?? null;
  }
}

/** The links object of the repository a `<repoId>#<number>` key belongs to. */
export function linksFor(env: Env, threadKey: string) {
  const repoId = threadKey.split("#")[0] ?? threadKey;
  return env.LINKS.get(env.LINKS.idFromName(`links-${repoId}`));
}
