/**
 * The sandbox provider's circuit breaker, as pure functions over its state (the SandboxBreaker
 * Durable Object keeps one per provider, shared by every session).
 *
 * Closed: every spawn is allowed. After `threshold` failures in a row (a spawn the provider refused,
 * a sandbox that never connected) it opens: spawns are refused at once, with the last failure and
 * the time they start again, instead of each session waiting out a failure of its own. When the
 * cool-down has passed, one spawn is let through as a probe (half-open); its success closes the
 * breaker, its failure opens it again for twice as long (up to `maxCooldownMs`). A probe whose
 * outcome never comes back (its session reset) frees the way for another after `probeLeaseMs`.
 */

export type BreakerState = {
  /** Failures in a row since the last success. */
  failures: number;
  lastError: string | null;
  /** Set while open: no spawn before this (ms since the epoch). */
  openUntil: number | null;
  /** The cool-down that opened it; doubled on each failed probe. */
  cooldownMs: number;
  /** While a probe is out: no other spawn before this. */
  probeUntil: number | null;
};

export type BreakerSettings = {
  threshold: number;
  cooldownMs: number;
  maxCooldownMs: number;
  probeLeaseMs: number;
};

export const BREAKER_DEFAULTS: BreakerSettings = {
  threshold: 3,
  cooldownMs: 60_000,
  maxCooldownMs: 15 * 60_000,
  probeLeaseMs: 5 * 60_000,
};

export const closedBreaker = (settings: BreakerSettings = BREAKER_DEFAULTS): BreakerState => ({
  failures: 0,
  lastError: null,
  openUntil: null,
  cooldownMs: settings.cooldownMs,
  probeUntil: null,
});

export type Permit =
  | { allowed: true; probe: boolean }
  | { allowed: false; until: number; failures: number; lastError: string };

/** Whether a spawn may go ahead now, and the state after asking (a probe is claimed). */
export function askBreaker(
  state: BreakerState,
  now: number,
  settings: BreakerSettings = BREAKER_DEFAULTS,
): { permit: Permit; state: BreakerState } {
  if (state.openUntil === null) return { permit: { allowed: true, probe: false }, state };
  const refuse = (until: number) => ({
    permit: {
      allowed: false as const,
      until,
      failures: state.failures,
      lastError: state.lastError ?? "unknown",
    },
    state,
  });
  if (now < state.openUntil) return refuse(state.openUntil);
  if (state.probeUntil !== null && now < state.probeUntil) return refuse(state.probeUntil);
  return {
    permit: { allowed: true, probe: true },
    state: { ...state, probeUntil: now + settings.probeLeaseMs },
  };
}

/** The state after a spawn's outcome: success closes, failures open (again, for longer). */
export function recordOutcome(
  state: BreakerState,
  outcome: { ok: true } | { ok: false; error: string },
  now: number,
  settings: BreakerSettings = BREAKER_DEFAULTS,
): BreakerState {
  if (outcome.ok) return closedBreaker(settings);
  const failures = state.failures + 1;
  if (state.openUntil !== null && state.probeUntil === null) {
    // A spawn let through before it opened, failing late: counted, the cool-down unchanged.
    return { ...state, failures, lastError: outcome.error };
  }
  if (state.openUntil !== null) {
    // The probe failed: open again, for longer.
    const cooldownMs = Math.min(state.cooldownMs * 2, settings.maxCooldownMs);
    return { failures, lastError: outcome.error, openUntil: now + cooldownMs, cooldownMs, probeUntil: null };
  }
  if (failures >= settings.threshold) {
    return {
      failures,
      lastError: outcome.error,
      openUntil: now + settings.cooldownMs,
      cooldownMs: settings.cooldownMs,
      probeUntil: null,
    };
  }
  return { ...state, failures, lastError: outcome.error };
}
