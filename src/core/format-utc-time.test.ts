import { describe, expect, it } from "vitest";
import { formatUtcTime } from "./format-utc-time.js";

describe("formatUtcTime", () => {
  const ref = new Date("2026-11-24T09:00:00.000Z");

  it("gives the time in UTC, the date only when it is not the reference's day", () => {
    expect(formatUtcTime("2026-11-24T02:14:59.999Z", ref)).toBe("02:14 UTC");
    expect(formatUtcTime("2026-11-24T03:14:00.000+01:00", ref)).toBe("02:14 UTC");
    expect(formatUtcTime("2026-11-23T23:58:00.000Z", ref)).toBe("2026-11-23 23:58 UTC");
  });

  it("leaves out a time it cannot read", () => {
    expect(formatUtcTime("", ref)).toBeUndefined();
    expect(formatUtcTime("2026-11-24T02:14:00.000Z", new Date(Number.NaN))).toBe("2026-11-24 02:14 UTC");
  });
});
