import { describe, expect, it } from "vitest";
import { retryDelay } from "./retry-delay.js";

const NOW = 1_800_000_000_000;

describe("retryDelay", () => {
  it("waits what retry-after says on a secondary rate limit (403 and 429)", () => {
    const message =
      "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
    expect(retryDelay({ status: 403, headers: { "retry-after": "1" }, message }, 1, NOW)).toBe(1000);
    expect(retryDelay({ status: 429, headers: { "retry-after": 7 } }, 3, NOW)).toBe(7000);
  });

  it("waits for x-ratelimit-reset when the primary limit is used up", () => {
    const headers = { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 30) };
    expect(retryDelay({ status: 403, headers }, 1, NOW)).toBe(31_000);
  });

  it("waits for x-ratelimit-reset on a 429 too, with headers as numbers, and a second once it has passed", () => {
    const headers = { "x-ratelimit-remaining": 0, "x-ratelimit-reset": NOW / 1000 + 10 };
    expect(retryDelay({ status: 429, headers }, 1, NOW)).toBe(11_000);
    const passed = { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 - 5) };
    expect(retryDelay({ status: 403, headers: passed }, 1, NOW)).toBe(1_000);
  });

  it("takes retry-after over x-ratelimit-reset, and ignores the reset while requests remain", () => {
    const reset = String(NOW / 1000 + 600);
    expect(
      retryDelay(
        {
          status: 403,
          headers: { "retry-after": "30", "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset },
        },
        1,
        NOW,
      ),
    ).toBe(30_000);
    expect(
      retryDelay(
        {
          status: 403,
          headers: { "x-ratelimit-remaining": "4999", "x-ratelimit-reset": reset },
          message: "You have exceeded a secondary rate limit",
        },
        1,
        NOW,
      ),
    ).toBe(60_000);
  });

  it("waits a minute on a secondary rate limit that names no time", () => {
    expect(retryDelay({ status: 403, message: "You have exceeded a secondary rate limit" }, 1, NOW)).toBe(
      60_000,
    );
    expect(retryDelay({ status: 429 }, 1, NOW)).toBe(60_000);
  });

  it("backs off exponentially on 5xx and on requests that got no answer", () => {
    expect([1, 2, 3, 4].map((a) => retryDelay({ status: 502 }, a, NOW))).toEqual([500, 1000, 2000, 4000]);
    expect(retryDelay({}, 1, NOW)).toBe(500);
    expect(retryDelay({ status: 503 }, 20, NOW)).toBe(30_000);
  });

  it.each([400, 401, 404, 409, 422])("does not retry a %i: it is an answer", (status) => {
    expect(retryDelay({ status }, 1, NOW)).toBeNull();
  });

  it("does not retry a 403 that is a permission error", () => {
    expect(retryDelay({ status: 403, message: "Resource not accessible by integration" }, 1, NOW)).toBeNull();
  });
});
