import { describe, expect, it } from "vitest";
import { configCache } from "./config-cache.js";

describe("configCache", () => {
  it("reads once per key within the time to live, then again", async () => {
    let t = 0;
    let reads = 0;
    const cache = configCache<number>(1000, () => t);
    const load = async () => ++reads;
    expect(await Promise.all([cache("a", load), cache("a", load), cache("b", load)])).toEqual([1, 1, 2]);
    t = 999;
    expect(await cache("a", load)).toBe(1);
    t = 1000;
    expect(await cache("a", load)).toBe(3);
  });

  it("does not keep a failed read", async () => {
    const cache = configCache<string>(1000, () => 0);
    await expect(cache("a", async () => Promise.reject(new Error("502")))).rejects.toThrow("502");
    await Promise.resolve();
    expect(await cache("a", async () => "ok")).toBe("ok");
  });
});
