import { expect, it } from "vitest";
import { earlierRunsPrompt } from "./earlier-runs-prompt.js";
import type { SessionEvent } from "./session-event.js";
import type { Event } from "./wire.js";

let id = 0;
const stored = (run: number, event: Omit<Event, "seq" | "at">): SessionEvent =>
  ({ id: ++id, run, event: { seq: id, at: "2026-12-04T10:00:00.000Z", ...event } }) as SessionEvent;

const log: SessionEvent[] = [
  stored(1, { type: "user_message", data: { text: "add a CONTRIBUTING.md", author: "ada" } }),
  stored(1, {
    type: "user_message",
    data: { text: "You are working in a git checkout… (the whole prompt)" },
  }),
  stored(1, {
    type: "execution_complete",
    data: { success: true, summary: "Add CONTRIBUTING.md\n\nExplains npm test." },
  }),
  stored(2, { type: "user_message", data: { text: "also mention lint", author: "grace" } }),
  stored(2, { type: "execution_complete", data: { success: false, error: "Time limit of 30 min reached" } }),
  stored(3, { type: "user_message", data: { text: "try again", author: "ada" } }),
];

it("tells a follow-up run what each earlier run was asked and how it ended, oldest first", () => {
  const text = earlierRunsPrompt(log, 3);
  expect(text).toContain(
    '<earlier-run number="1">\nAsked by @ada: add a CONTRIBUTING.md\nOutcome: Add CONTRIBUTING.md',
  );
  expect(text).toContain(
    '<earlier-run number="2">\nAsked by @grace: also mention lint\nOutcome: did not finish: Time limit of 30 min reached',
  );
  expect(text).not.toContain("try again");
  expect(text).not.toContain("the whole prompt");
  expect(text.indexOf('number="1"')).toBeLessThan(text.indexOf('number="2"'));
});

it("says nothing on a first run", () => {
  expect(earlierRunsPrompt(log, 1)).toBe("");
});

it("shows the newest five runs and counts the rest", () => {
  const many = Array.from({ length: 8 }, (_, i) =>
    stored(i + 1, { type: "user_message", data: { text: `task ${i + 1}`, author: "ada" } }),
  );
  const text = earlierRunsPrompt(many, 9);
  expect(text).toContain("(3 older runs not shown)");
  expect(text).not.toContain("task 3\n");
  expect(text).toContain("task 8");
});
