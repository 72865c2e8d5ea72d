/**
 * Who may call the bot. Humans with write, maintain or admin permission (has-write-access.ts), and,
 * when the config has `allowed_users`, only those of them it lists; while the config is invalid,
 * only admins and maintainers (humanMayTrigger). Bots — judged by the account's `type`, never by a
 * `[bot]` suffix a person could choose as a login — only when `allowed_bots` lists them, and this
 * App never: that is what keeps it from answering itself. The bot checks need the
 * repository's config, so they run here, in the session; the Worker drops only the App's own events.
 */
import type { Access } from "./has-write-access.js";
import type { RepoConfig } from "./repo-config.js";
import type { Account } from "./webhook-schemas.js";

export type Caller = { kind: "app_itself" } | { kind: "bot"; allowed: boolean } | { kind: "human" };

const loginOf = (s: string) => s.toLowerCase().replace(/\[bot\]$/, "");

/** The account that asked and the one that sent the event: either being a bot makes it a bot's. */
export function judgeCaller(
  accounts: readonly Account[],
  appSlug: string,
  allowedBots: readonly string[] = [],
): Caller {
  const bots = accounts.filter((a) => a.type === "Bot");
  if (bots.length === 0) return { kind: "human" };
  if (bots.some((b) => b.login.toLowerCase() === `${appSlug}[bot]`.toLowerCase()))
    return { kind: "app_itself" };
  const allowed = new Set(allowedBots.map(loginOf));
  return { kind: "bot", allowed: bots.every((b) => allowed.has(loginOf(b.login))) };
}

export type HumanVerdict =
  | { ok: true }
  | { ok: false; why: "no_write_access" | "not_listed" | "config_invalid" };

/**
 * `config` null: the file is invalid, so whom its `allowed_users` lists is unknown. Then admins and
 * maintainers (who decide who may ask, and may fix the file) may still call the bot; anyone else
 * with write access gets `config_invalid`: told what is wrong with the file, never obeyed, since the
 * list they may not be on is unreadable. The simplest rule that never lets a broken file widen access.
 */
export async function humanMayTrigger(
  /** The caller's access (accessOf), asked for before the config was read: the two go in parallel. */
  access: Access,
  login: string,
  config: RepoConfig | null,
): Promise<HumanVerdict> {
  if (access === "none") return { ok: false, why: "no_write_access" };
  if (config === null) return access === "maintain" ? { ok: true } : { ok: false, why: "config_invalid" };
  const listed = config.allowed_users;
  if (listed && !listed.some((u) => u.toLowerCase() === login.toLowerCase()))
    return { ok: false, why: "not_listed" };
  return { ok: true };
}
