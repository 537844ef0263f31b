import type { UsageRetention } from "../../config/env";

// What the dashboard says about how far back usage goes, computed from the retention settings so
// it stays true when an operator changes them. The charts and totals cover CHART_DAYS days.

const CHART_DAYS = 30;

const days = (n: number) => `${n.toLocaleString("en")} day${n === 1 ? "" : "s"}`;

/** Under a token's request log. */
export function requestLogRetentionNotice(retention: UsageRetention): string {
  const older =
    retention.usageDays < CHART_DAYS
      ? `older ones are counted in the charts and totals above (${days(CHART_DAYS)})`
      : `older ones are deleted, and their hourly and daily counts kept for ${days(retention.rollupDays)}`;
  return `Requests of the last ${days(retention.usageDays)} are listed; ${older}.`;
}

/** On the organization's usage page. */
export function usageRetentionNotice(retention: UsageRetention): string {
  return `Each token's request log lists its requests of the last ${days(retention.usageDays)}; hourly and daily counts are kept for ${days(retention.rollupDays)}.`;
}
