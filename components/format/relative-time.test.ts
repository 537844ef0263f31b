import { describe, expect, it } from "vitest";

import { formatRelative, formatReset } from "./relative-time";

describe("formatReset", () => {
  const now = new Date("2026-03-10T14:00:00.000Z");

  it("says when a reset is ahead, like any relative time", () => {
    expect(formatReset(new Date("2026-03-10T19:00:00.000Z"), now)).toBe("in 5 hours");
  });

  it("never says a reset happened '… ago': one this clock has passed reads 'now'", () => {
    const past = new Date("2026-03-05T14:00:00.000Z");
    expect(formatRelative(past, now)).toBe("5 days ago");
    expect(formatReset(past, now)).toBe("now");
    expect(formatReset(now, now)).toBe("now");
  });
});
