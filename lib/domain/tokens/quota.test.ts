import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { nextQuotaReset, QUOTA_WINDOWS, quotaAt, secondsUntil, type QuotaWindow } from "./quota";

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

describe("quotaAt", () => {
  const now = utc("2026-03-10T14:25:00.000Z");
  const token = (resetAt: string, remaining = 982) => ({
    quotaMax: 1000,
    quotaRemaining: remaining,
    quotaWindow: "DAILY" as const,
    quotaResetAt: utc(resetAt),
  });

  it("a window still open shows what is stored", () => {
    expect(quotaAt(token("2026-03-11T00:00:00.000Z"), now)).toEqual({
      remaining: 982,
      max: 1000,
      window: "DAILY",
      resetsAt: utc("2026-03-11T00:00:00.000Z"),
    });
  });

  it("a window that has ended is full and resets at the next boundary from now, not in the past", () => {
    expect(quotaAt(token("2026-03-05T00:00:00.000Z"), now)).toEqual({
      remaining: 1000,
      max: 1000,
      window: "DAILY",
      resetsAt: utc("2026-03-11T00:00:00.000Z"),
    });
  });

  it("a window ending exactly now has ended (the charge statements compare with <=)", () => {
    expect(quotaAt(token(now.toISOString(), 0), now).remaining).toBe(1000);
  });

  it("never shows a negative count", () => {
    expect(quotaAt(token("2026-03-11T00:00:00.000Z", -3), now).remaining).toBe(0);
  });

  it("always resets in the future and never shows more than the maximum", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...QUOTA_WINDOWS),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: -20, max: 10_000 }),
        fc.integer({ min: -90 * 86_400_000, max: 40 * 86_400_000 }),
        (window, max, stored, offset) => {
          const quota = quotaAt(
            { quotaMax: max, quotaRemaining: Math.min(stored, max), quotaWindow: window, quotaResetAt: new Date(now.getTime() + offset) },
            now,
          );
          expect(quota.resetsAt.getTime()).toBeGreaterThan(now.getTime());
          expect(quota.remaining).toBeGreaterThanOrEqual(0);
          expect(quota.remaining).toBeLessThanOrEqual(max);
        },
      ),
    );
  });
});
