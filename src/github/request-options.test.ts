import { describe, expect, it } from "vitest";
import { requestOptions } from "./request-options.js";

describe("requestOptions", () => {
  it("is empty when neither flags nor config say anything", () => {
    expect(requestOptions({}, {})).toEqual({});
  });

  it("takes the config, and the flags over it", () => {
    const config = {
      model: "claude-opus-4-1",
      agent: "claude-code" as const,
      draft: false,
      branch_prefix: "bots",
      time_limit_minutes: 5,
    };
    expect(requestOptions(config, {})).toEqual({
      model: "claude-opus-4-1",
      agent: "claude-code",
      draft: false,
      branchPrefix: "bots",
      timeLimitMs: 300_000,
    });
    expect(requestOptions(config, { model: "claude-haiku-4-5", draft: true, base: "develop" })).toMatchObject(
      {
        model: "claude-haiku-4-5",
        draft: true,
        base: "develop",
      },
    );
  });
});
