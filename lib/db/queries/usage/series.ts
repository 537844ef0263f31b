import { emptyOutcomeCounts, OUTCOMES, type OutcomeCounts } from "@/lib/domain/usage/outcomes";

// Time series shared by the token and organization read models.

export type UsageBucket = OutcomeCounts & { start: Date };
export type UsageSeries = { hourly: UsageBucket[]; daily: UsageBucket[] };
export type UsageTotals = { last24h: OutcomeCounts; last30d: OutcomeCounts };
export type TopValue = { value: string; requests: number; denied: number; lastAt: Date };

export const SERIES_HOURS = 24;
export const SERIES_DAYS = 30;

export type CountedRow = OutcomeCounts & { start: Date };

export function buckets(first: number, step: number, count: number, rows: readonly CountedRow[]): UsageBucket[] {
  const byStart = new Map<number, UsageBucket>();
  const result = Array.from({ length: count }, (_, index) => {
    const bucket: UsageBucket = { start: new Date(first + index * step), ...emptyOutcomeCounts() };
    byStart.set(bucket.start.getTime(), bucket);
    return bucket;
  });
  for (const row of rows) {
    // Hourly rows folded into days (the org series) land in the bucket that contains them.
    const bucket = byStart.get(first + Math.floor((row.start.getTime() - first) / step) * step);
    if (!bucket) continue;
    bucket.requests += row.requests;
    for (const outcome of OUTCOMES) bucket[outcome] += row[outcome];
  }
  return result;
}

export function sum(series: readonly OutcomeCounts[]): OutcomeCounts {
  const total = emptyOutcomeCounts();
  for (const bucket of series) {
    total.requests += bucket.requests;
    for (const outcome of OUTCOMES) total[outcome] += bucket[outcome];
  }
  return total;
}
