import { describe, expect, it } from "vitest";

import { requestLogRetentionNotice, usageRetentionNotice } from "./retention-notice";

describe("retention notices", () => {
  it("say how far back the request log goes, and where older requests are still counted", () => {
    expect(requestLogRetentionNotice({ usageDays: 30, rollupDays: 400 })).toBe(
      "Requests of the last 30 days are listed; older ones are deleted, and their hourly and daily counts kept for 400 days.",
    );
    expect(requestLogRetentionNotice({ usageDays: 7, rollupDays: 400 })).toBe(
      "Requests of the last 7 days are listed; older ones are counted in the charts and totals above (30 days).",
    );
    expect(usageRetentionNotice({ usageDays: 90, rollupDays: 1_000 })).toBe(
      "Each token's request log lists its requests of the last 90 days; hourly and daily counts are kept for 1,000 days.",
    );
  });
});
