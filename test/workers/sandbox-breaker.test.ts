/**
 * The sandbox provider's circuit breaker: the shared Durable Object (worker/sandbox-breaker.ts) and
 * what a session does with its answers. After repeated provider failures no session asks the
 * provider again until the cool-down is over, and each says so at once, in its status comment.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BREAKER_DEFAULTS } from "../../src/core/circuit-breaker.js";
import { acceptRequest } from "../../worker/session/accept-request.js";
import { onSandboxConnected } from "../../worker/session/lifecycle.js";
import { fire, freshSession, inside, request } from "./session-harness.js";

const URL = "http://understudy.test";
const breaker = (name: string) => env.BREAKERS.get(env.BREAKERS.idFromName(name));

describe("the breaker object", () => {
  it("opens after repeated failures, lets one of many concurrent askers probe, and closes on success", async () => {
    const b = breaker("test-opens");
    const t = 1_000_000;
    for (let i = 0; i < BREAKER_DEFAULTS.threshold; i++)
      await b.report({ ok: false, error: "the remote sandbox host answered 503" }, t);
    expect(await b.permit(t + 1)).toEqual({
      allowed: false,
      until: t + BREAKER_DEFAULTS.cooldownMs,
      failures: BREAKER_DEFAULTS.threshold,
      lastError: "the remote sandbox host answered 503",
    });
    // Five sessions ask together once the cool-down is over: exactly one probes.
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => b.permit(t + BREAKER_DEFAULTS.cooldownMs)),
    );
    expect(answers.filter((a) => a.allowed)).toEqual([{ allowed: true, probe: true }]);
    await b.report({ ok: true }, t + BREAKER_DEFAULTS.cooldownMs + 5);
    expect(await b.permit(t + BREAKER_DEFAULTS.cooldownMs + 6)).toEqual({ allowed: true, probe: false });
  });
});

describe("a session and the breaker", () => {
  it("refused: the run fails at once saying why and when, and the provider is not asked", async () => {
    const stub = freshSession();
    const until = Date.parse("2026-12-05T09:30:00Z");
    const { spawned, comment, status } = await inside(stub, async (d, r) => {
      r.breaker.answer = {
        allowed: false,
        until,
        failures: 3,
        lastError: "the remote sandbox host answered 503",
      };
      await acceptRequest(d, request(1), URL);
      return {
        spawned: r.spawned.length,
        comment: [...r.comments.values()].at(-1) ?? "",
        status: d.store.getSession()?.status,
      };
    });
    expect(spawned).toBe(0);
    expect(status).toBe("failed");
    expect(comment).toMatch(
      /Sandboxes are paused: the last 3 attempts to start one failed \(last: the remote sandbox host answered 503\)\. New runs start again after (2026-12-05 )?09:30 UTC; comment `@understudy retry` then\./,
    );
  });

  it("reports a spawn the provider refused, and a sandbox's first hello, once", async () => {
    const failing = freshSession();
    const reports = await inside(failing, async (d, r) => {
      d.provider.spawn = async () => {
        throw new Error("the local sandbox host at http://127.0.0.1:8788 is not reachable");
      };
      await acceptRequest(d, request(1), URL);
      return r.breaker.reports;
    });
    expect(reports).toEqual([
      { ok: false, error: "the local sandbox host at http://127.0.0.1:8788 is not reachable" },
    ]);

    const healthy = freshSession();
    const ok = await inside(healthy, async (d, r) => {
      await acceptRequest(d, request(1), URL);
      await onSandboxConnected(d, 1);
      // A reconnect of the same bridge says nothing new about the provider.
      await onSandboxConnected(d, 1);
      return r.breaker.reports;
    });
    expect(ok).toEqual([{ ok: true }]);
  });

  it("reports a sandbox that never connected as a failure", async () => {
    const stub = freshSession();
    await inside(stub, (d) => acceptRequest(d, request(1), URL));
    expect(await fire(stub, "connect")).toBe(true);
    const reports = await inside(stub, (_d, r) => r.breaker.reports);
    expect(reports).toEqual([{ ok: false, error: expect.stringMatching(/never connected within \d+ s/) }]);
  });
});
