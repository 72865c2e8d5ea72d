/**
 * The circuit breaker of the sandbox provider (src/core/circuit-breaker.ts), one Durable Object per
 * provider name, shared by every session: after a few failures in a row no session asks the provider
 * for a sandbox until a cool-down has passed, and each says so at once instead of failing slowly.
 * Calls are serialized by the object, so two sessions asking together cannot both take the one probe.
 */
import { DurableObject } from "cloudflare:workers";
import {
  askBreaker,
  type BreakerState,
  closedBreaker,
  type Permit,
  recordOutcome,
} from "../src/core/circuit-breaker.js";
import type { Env } from "./env.js";

const KEY = "breaker";

export class SandboxBreaker extends DurableObject<Env> {
  private state: BreakerState = closedBreaker();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.state = (await ctx.storage.get<BreakerState>(KEY)) ?? closedBreaker();
    });
  }

  /** Whether a spawn may go ahead at `now` (the caller's clock); a probe, once taken, is claimed. */
  async permit(now: number): Promise<Permit> {
    const { permit, state } = askBreaker(this.state, now);
    await this.save(state);
    return permit;
  }

  /** A spawn's outcome: the sandbox connected (`ok`), or the provider or the sandbox failed. */
  async report(outcome: { ok: true } | { ok: false; error: string }, now: number): Promise<void> {
    await this.save(recordOutcome(this.state, outcome, now));
  }

  private async save(state: BreakerState): Promise<void> {
    if (state === this.state) return;
    this.state = state;
    await this.ctx.storage.put(KEY, state);
  }
}

/** The breaker of one provider. */
export const breakerFor = (env: Env, provider: string) =>
  env.BREAKERS.get(env.BREAKERS.idFromName(`sandbox-provider:${provider}`));
