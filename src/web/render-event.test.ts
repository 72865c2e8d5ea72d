import { expect, it } from "vitest";
import { renderEventRow } from "./render-event.js";

it("says when the agent continued its own conversation of an earlier run", () => {
  const at = "2026-01-01T00:00:00.000Z";
  const continued = renderEventRow(1, {
    seq: 1,
    type: "user_message",
    at,
    data: { text: "Now the license", continuesRun: 2 },
  });
  expect(continued).toContain("Prompt given to the agent, which continues its conversation from run 2");
  const fresh = renderEventRow(2, { seq: 2, type: "user_message", at, data: { text: "Add hello" } });
  expect(fresh).toContain("<summary>Prompt given to the agent</summary>");
});
