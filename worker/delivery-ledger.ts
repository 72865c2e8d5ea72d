/**
 * Which webhook deliveries were already accepted, across every session: GitHub redelivers with the
 * same X-GitHub-Delivery id, and an id must be processed once whichever issue its body names. Sharded
 * over a few Durable Objects by the id's hash, so a flood of deliveries does not queue on one object;
 * each claim is one SQLite statement in the shard that owns the id, so two concurrent claims of one id
 * cannot both win. Ids are kept for a week, longer than GitHub lets anyone redeliver (three days).
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "./env.js";

const SHARDS = 16;
const KEEP_MS = 7 * 24 * 60 * 60_000;
const PRUNE_EVERY_MS = 60 * 60_000;

export class DeliveryLedger extends DurableObject<Env> {
  private lastPrune = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(
        `CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, at INTEGER NOT NULL)`,
      );
    });
  }

  /** True for the first claim of an id, false for every later one. */
  async claim(id: string): Promise<boolean> {
    const now = Date.now();
    if (now - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = now;
      this.ctx.storage.sql.exec(`DELETE FROM deliveries WHERE at < ?`, now - KEEP_MS);
    }
    return (
      this.ctx.storage.sql.exec(`INSERT OR IGNORE INTO deliveries (id, at) VALUES (?, ?)`, id, now)
        .rowsWritten > 0
    );
  }

  /** Forgets a claim whose delivery could not be handed to its session, so a redelivery is accepted. */
  async release(id: string): Promise<void> {
    this.ctx.storage.sql.exec(`DELETE FROM deliveries WHERE id = ?`, id);
  }
}

/** The ledger shard that owns a delivery id. */
export function ledgerFor(env: Env, deliveryId: string) {
  let h = 2166136261;
  for (let i = 0; i < deliveryId.length; i++) h = Math.imul(h ^ deliveryId.charCodeAt(i), 16777619);
  const shard = (h >>> 0) % SHARDS;
  return env.DELIVERIES.get(env.DELIVERIES.idFromName(`deliveries-${shard}`));
}
