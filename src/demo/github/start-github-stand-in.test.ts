import { describe, expect, it } from "vitest";
import { useStandIn } from "./use-stand-in.js";

const t = useStandIn();

describe("unhandled requests", () => {
  it("answers 404 and records requests no handler matched", async () => {
    const res = await t.call("GET", "/repos/octo/hello/branches", undefined);
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ message: "Not Found" });
    const stray = await fetch(`${t.gh.url}/somewhere/else`);
    expect(stray.status).toBe(404);
    expect(t.gh.unhandled).toEqual(["GET /api/v3/repos/octo/hello/branches", "GET /somewhere/else"]);
    expect(t.gh.log.map((e) => e.status)).toEqual([404, 404]);
    t.gh.unhandled.length = 0;
  });
});
