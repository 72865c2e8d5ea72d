import { describe, expect, it } from "vitest";
import {
  askBreaker,
  BREAKER_DEFAULTS,
  type BreakerState,
  closedBreaker,
  recordOutcome,
} from "./circuit-breaker.js";

const fail = (s: BreakerState, now: number, error = "quota exceeded") =>
  recordOutcome(s, { ok: false, error }, now);

describe("the sandbox provider's circuit breaker", () => {
  it("allows spawns until `threshold` failures in a row, then refuses with the last error and when", () => {
    let s = closedBreaker();
    for (let i = 0; i < BREAKER_DEFAULTS.threshold - 1; i++) {
      s = fail(s, 1000 + i);
      expect(askBreaker(s, 1000 + i).permit).toEqual({ allowed: true, probe: false });
    }
    s = fail(s, 5000, "the provider answered 503");
    expect(askBreaker(s, 5001).permit).toEqual({
      allowed: false,
      until: 5000 + BREAKER_DEFAULTS.cooldownMs,
      failures: BREAKER_DEFAULTS.threshold,
      lastError: "the provider answered 503",
    });
  });

  it("a success in between starts the count again", () => {
    let s = closedBreaker();
    for (let i = 0; i < BREAKER_DEFAULTS.threshold - 1; i++) s = fail(s, i);
    s = recordOutcome(s, { ok: true }, 10);
    for (let i = 0; i < BREAKER_DEFAULTS.threshold - 1; i++) s = fail(s, 20 + i);
    expect(askBreaker(s, 30).permit.allowed).toBe(true);
  });

  it("after the cool-down lets one probe through; its success closes, its failure doubles the wait", () => {
    let s = closedBreaker();
    for (let i = 0; i < BREAKER_DEFAULTS.threshold; i++) s = fail(s, 0);
    const reopen = BREAKER_DEFAULTS.cooldownMs;
    const probe = askBreaker(s, reopen);
    expect(probe.permit).toEqual({ allowed: true, probe: true });
    // A second session meanwhile waits for the probe's outcome.
    expect(askBreaker(probe.state, reopen + 1).permit.allowed).toBe(false);

    const failed = fail(probe.state, reopen + 100);
    expect(askBreaker(failed, reopen + 101).permit).toMatchObject({
      allowed: false,
      until: reopen + 100 + 2 * BREAKER_DEFAULTS.cooldownMs,
    });

    const again = askBreaker(failed, reopen + 100 + 2 * BREAKER_DEFAULTS.cooldownMs);
    expect(again.permit).toEqual({ allowed: true, probe: true });
    const closed = recordOutcome(again.state, { ok: true }, 0);
    expect(closed).toEqual(closedBreaker());
    expect(askBreaker(closed, 1).permit).toEqual({ allowed: true, probe: false });
  });

  it("never waits longer than maxCooldownMs, and frees a probe that never reported", () => {
    let s = closedBreaker();
    for (let i = 0; i < BREAKER_DEFAULTS.threshold; i++) s = fail(s, 0);
    let now = 0;
    for (let i = 0; i < 10; i++) {
      now = s.openUntil ?? now;
      s = fail(askBreaker(s, now).state, now);
    }
    expect(s.cooldownMs).toBe(BREAKER_DEFAULTS.maxCooldownMs);
    const at = s.openUntil ?? 0;
    const probe = askBreaker(s, at);
    expect(probe.permit.allowed).toBe(true);
    expect(askBreaker(probe.state, at + BREAKER_DEFAULTS.probeLeaseMs - 1).permit.allowed).toBe(false);
    expect(askBreaker(probe.state, at + BREAKER_DEFAULTS.probeLeaseMs).permit).toEqual({
      allowed: true,
      probe: true,
    });
  });

  it("a late failure of a spawn let through before it opened does not extend the cool-down", () => {
    let s = closedBreaker();
    for (let i = 0; i < BREAKER_DEFAULTS.threshold; i++) s = fail(s, 0);
    const late = fail(s, 10, "never connected");
    expect(late.openUntil).toBe(s.openUntil);
    expect(late).toMatchObject({ failures: BREAKER_DEFAULTS.threshold + 1, lastError: "never connected" });
  });
});
