import { describe, expect, it } from "vitest";
import { newestPage } from "./newest-page.js";

describe("newestPage", () => {
  it("asks for the first page when everything fits on it", () => {
    expect(newestPage(0, 25)).toEqual({ per_page: 100, page: 1 });
    expect(newestPage(100, 25)).toEqual({ per_page: 100, page: 1 });
  });

  it.each([101, 120, 150, 199, 200, 1_001, 4_321, 65_536])(
    "leaves at least the newest 25 of %i on the page it asks for",
    (total) => {
      const { per_page, page } = newestPage(total, 25);
      expect(per_page).toBeLessThanOrEqual(100);
      const first = (page - 1) * per_page + 1;
      const last = Math.min(page * per_page, total);
      expect(last).toBe(total);
      expect(last - first + 1).toBeGreaterThanOrEqual(25);
    },
  );
});
