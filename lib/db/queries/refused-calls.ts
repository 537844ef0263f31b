import "server-only";

import { REFUSAL_LABELS, REFUSAL_REASONS, type RefusalReason } from "@/lib/domain/usage/refusals";

import { db } from "../client";

// Reads of the refused-call counters (RefusedCallCount, written by the REST API's usage recorder;
// see lib/domain/usage/refusals.ts). Callers authorize first: these take a token or value the viewer may see.

const DAY_MS = 86_400_000;

export type RefusedCallSummary = {
  reason: RefusalReason;
  label: string;
  last24h: number;
  last7d: number;
  lastAt: Date;
};

/** A token's refused calls of the last 7 days per reason, most recent first. */
export async function getRefusedCalls(tokenId: string, now = new Date()): Promise<RefusedCallSummary[]> {
  const since = (days: number) => new Date(now.getTime() - days * DAY_MS);
  // Minutes that started before the window but end inside it count whole: at most a minute's calls more.
  const where = (days: number) => ({ tokenId, minute: { gt: new Date(since(days).getTime() - 60_000) } });
  const [week, day] = await Promise.all([
    db.refusedCallCount.groupBy({ by: ["reason"], where: where(7), _sum: { count: true }, _max: { lastAt: true } }),
    db.refusedCallCount.groupBy({ by: ["reason"], where: where(1), _sum: { count: true } }),
  ]);
  const dayCounts = new Map(day.map((row) => [row.reason, row._sum.count ?? 0]));
  return week
    .filter((row): row is typeof row & { reason: RefusalReason } => (REFUSAL_REASONS as readonly string[]).includes(row.reason))
    .map((row) => ({
      reason: row.reason,
      label: REFUSAL_LABELS[row.reason],
      last24h: dayCounts.get(row.reason) ?? 0,
      last7d: row._sum.count ?? 0,
      lastAt: row._max.lastAt ?? now,
    }))
    .sort((a, b) => b.lastAt.getTime() - a.lastAt.getTime());
}

/** Calls refused with one value since a time (counted by minute: the minute `since` falls in counts whole), and the last of them. */
export async function refusedCallsOfValue(
  valueId: string,
  since: Date,
): Promise<{ count: number; last: { at: Date; ip: string | null } | null }> {
  const where = { valueId, lastAt: { gte: since } };
  const [sum, last] = await Promise.all([
    db.refusedCallCount.aggregate({ where, _sum: { count: true } }),
    db.refusedCallCount.findFirst({ where: { valueId }, orderBy: { lastAt: "desc" }, select: { lastAt: true, lastIp: true } }),
  ]);
  return { count: sum._sum.count ?? 0, last: last ? { at: last.lastAt, ip: last.lastIp } : null };
}
