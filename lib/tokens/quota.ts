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
