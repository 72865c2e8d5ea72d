import { describe, expect, it } from "vitest";
import { judgeCaller } from "./may-trigger.js";

const user = (login: string) => ({ login, id: 1, type: "User" });
const bot = (login: string) => ({ login, id: 2, type: "Bot" });

describe("judgeCaller", () => {
  it("tells people, bots and the App apart by account type", () => {
    expect(judgeCaller([user("alice"), user("alice")], "understudy")).toEqual({ kind: "human" });
    // A person may choose a login that ends in [bot]; it is their type that counts.
    expect(judgeCaller([user("understudy[bot]"), user("understudy[bot]")], "understudy")).toEqual({
      kind: "human",
    });
    expect(judgeCaller([bot("renovate[bot]"), bot("renovate[bot]")], "understudy")).toEqual({
      kind: "bot",
      allowed: false,
    });
    expect(judgeCaller([user("alice"), bot("understudy[bot]")], "understudy")).toEqual({
      kind: "app_itself",
    });
  });

  it("lets listed bots in, with or without the [bot] suffix, never the App", () => {
    expect(judgeCaller([bot("renovate[bot]")], "understudy", ["renovate"])).toEqual({
      kind: "bot",
      allowed: true,
    });
    expect(judgeCaller([bot("Renovate[bot]")], "understudy", ["renovate[bot]"])).toEqual({
      kind: "bot",
      allowed: true,
    });
    expect(judgeCaller([bot("understudy[bot]")], "understudy", ["understudy"])).toEqual({
      kind: "app_itself",
    });
    // A person's event carried by an unlisted bot is still a bot's.
    expect(judgeCaller([user("alice"), bot("mover[bot]")], "understudy", [])).toEqual({
      kind: "bot",
      allowed: false,
    });
  });
});
