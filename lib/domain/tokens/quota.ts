export const QUOTA_WINDOWS = ["HOURLY", "DAILY", "MONTHLY"] as const;
export type QuotaWindow = (typeof QUOTA_WINDOWS)[number];

/** The next window boundary strictly after `from`, in UTC (a boundary instant starts a new window). */
export function nextQuotaReset(window: QuotaWindow, from: Date): Date {
  const time = from.getTime();
  if (Number.isNaN(time)) throw new RangeError("nextQuotaReset: invalid date");
  const year = from.getUTCFullYear();
  const month = from.getUTCMonth();
  const day = from.getUTCDate();
  // Date.UTC normalises overflow (hour 24, day 32, month 12), which handles day/month/year rollover.
  switch (window) {
    case "HOURLY":
      return new Date(Date.UTC(year, month, day, from.getUTCHours() + 1));
    case "DAILY":
      return new Date(Date.UTC(year, month, day + 1));
    case "MONTHLY":
      return new Date(Date.UTC(year, month + 1, 1));
    default:
      throw new RangeError(`nextQuotaReset: unknown quota window ${String(window satisfies never)}`);
  }
}

/** Whole seconds from `now` until `date`, rounded up and never negative (for Retry-After). */
export function secondsUntil(date: Date, now: Date): number {
  const millis = date.getTime() - now.getTime();
  if (Number.isNaN(millis)) throw new RangeError("secondsUntil: invalid date");
  return Math.max(0, Math.ceil(millis / 1000));
}

/** A token's quota as a caller would find it at a moment: what every page and answer shows. */
export type QuotaNow = { remaining: number; max: number; window: QuotaWindow; resetsAt: Date };

export type StoredQuota = { quotaMax: number; quotaRemaining: number; quotaWindow: QuotaWindow; quotaResetAt: Date };

/**
 * A token's quota at `now`. The stored row is only refilled by the next charge, so a window that
 * has ended counts as full and resets at the next boundary from `now` — never in the past. The
 * charge statements (lib/api/store-sqlite.ts, store-postgres.ts) write the same rule in SQL
 * (tests/integration/quota-rule.test.ts holds them to this function).
 */
export function quotaAt(token: StoredQuota, now: Date): QuotaNow {
  if (token.quotaResetAt.getTime() <= now.getTime()) {
    return { remaining: token.quotaMax, max: token.quotaMax, window: token.quotaWindow, resetsAt: nextQuotaReset(token.quotaWindow, now) };
  }
  // A lowered maximum can leave a negative count behind for a moment; nobody has "-3 left".
  return { remaining: Math.max(0, token.quotaRemaining), max: token.quotaMax, window: token.quotaWindow, resetsAt: token.quotaResetAt };
}
