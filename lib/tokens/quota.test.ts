import { describe, expect, it } from "vitest";
import { QUOTA_WINDOWS, nextQuotaReset, secondsUntil, type QuotaWindow } from "./quota";

const utc = (iso: string) => new Date(iso);

describe("nextQuotaReset", () => {
  const cases: Array<[QuotaWindow, string, string]> = [
    ["HOURLY", "2025-03-10T14:25:31.123Z", "2025-03-10T15:00:00.000Z"],
    ["HOURLY", "2025-03-10T14:00:00.000Z", "2025-03-10T15:00:00.000Z"], // on a boundary: strictly after
    ["HOURLY", "2025-03-10T14:59:59.999Z", "2025-03-10T15:00:00.000Z"],
    ["HOURLY", "2025-03-31T23:30:00.000Z", "2025-04-01T00:00:00.000Z"],
    ["HOURLY", "2025-12-31T23:59:59.999Z", "2026-01-01T00:00:00.000Z"],
    ["DAILY", "2025-03-10T14:25:31.123Z", "2025-03-11T00:00:00.000Z"],
    ["DAILY", "2025-03-10T00:00:00.000Z", "2025-03-11T00:00:00.000Z"],
    ["DAILY", "2024-02-28T12:00:00.000Z", "2024-02-29T00:00:00.000Z"], // leap day
    ["DAILY", "2025-02-28T12:00:00.000Z", "2025-03-01T00:00:00.000Z"],
    ["DAILY", "2025-12-31T23:59:59.999Z", "2026-01-01T00:00:00.000Z"],
    ["MONTHLY", "2025-03-10T14:25:31.123Z", "2025-04-01T00:00:00.000Z"],
    ["MONTHLY", "2025-03-01T00:00:00.000Z", "2025-04-01T00:00:00.000Z"],
    ["MONTHLY", "2025-01-31T23:59:59.999Z", "2025-02-01T00:00:00.000Z"],
    ["MONTHLY", "2024-02-29T08:00:00.000Z", "2024-03-01T00:00:00.000Z"],
    ["MONTHLY", "2025-12-15T00:00:00.000Z", "2026-01-01T00:00:00.000Z"], // year rollover
    ["MONTHLY", "2025-12-31T23:59:59.999Z", "2026-01-01T00:00:00.000Z"],
  ];

  it.each(cases)("%s from %s → %s", (window, from, expected) => {
    expect(nextQuotaReset(window, utc(from)).toISOString()).toBe(expected);
  });

  it("uses UTC regardless of the offset the input was written in", () => {
    // 23:30 in New York on Mar 31 is already Apr 1 in UTC.
    expect(nextQuotaReset("MONTHLY", utc("2025-03-31T23:30:00-04:00")).toISOString()).toBe("2025-05-01T00:00:00.000Z");
    expect(nextQuotaReset("DAILY", utc("2025-03-10T23:30:00+05:30")).toISOString()).toBe("2025-03-11T00:00:00.000Z");
  });

  it("is always strictly in the future and within one window", () => {
    const maxMs = { HOURLY: 3_600_000, DAILY: 86_400_000, MONTHLY: 31 * 86_400_000 };
    for (const window of QUOTA_WINDOWS) {
      for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2026, 0, 1); t += 76_543_217) {
        const from = new Date(t);
        const delta = nextQuotaReset(window, from).getTime() - t;
        expect(delta).toBeGreaterThan(0);
        expect(delta).toBeLessThanOrEqual(maxMs[window]);
      }
    }
  });

  it("does not mutate its input and rejects invalid dates", () => {
    const from = utc("2025-03-10T14:25:31.123Z");
    nextQuotaReset("MONTHLY", from);
    expect(from.toISOString()).toBe("2025-03-10T14:25:31.123Z");
    expect(() => nextQuotaReset("DAILY", new Date(Number.NaN))).toThrow(RangeError);
    expect(() => nextQuotaReset("WEEKLY" as QuotaWindow, from)).toThrow(RangeError);
  });
});

describe("secondsUntil", () => {
  const now = utc("2025-03-10T14:00:00.000Z");

  it("rounds partial seconds up", () => {
    expect(secondsUntil(utc("2025-03-10T15:00:00.000Z"), now)).toBe(3600);
    expect(secondsUntil(utc("2025-03-10T14:00:00.001Z"), now)).toBe(1);
    expect(secondsUntil(utc("2025-03-10T14:00:01.999Z"), now)).toBe(2);
  });

  it("never goes negative", () => {
    expect(secondsUntil(now, now)).toBe(0);
    expect(Object.is(secondsUntil(utc("2025-03-10T13:59:59.500Z"), now), 0)).toBe(true);
    expect(secondsUntil(utc("2025-03-10T13:00:00.000Z"), now)).toBe(0);
  });

  it("rejects invalid dates", () => {
    expect(() => secondsUntil(new Date(Number.NaN), now)).toThrow(RangeError);
  });
});
