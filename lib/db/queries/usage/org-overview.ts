import "server-only";

import type { OrgRole } from "@/lib/auth/permissions";
import { quotaAt, type QuotaNow } from "@/lib/domain/tokens/quota";
import { visibleTokensSql, visibleTokensWhere } from "@/lib/domain/tokens/visibility";
import { OUTCOMES, type Outcome } from "@/lib/domain/usage/outcomes";
import type { QuotaWindow } from "@/lib/tokens";

import { db, databaseProvider as dialect } from "../../client";
import { SqlParams, dateFromSql as toDate, truncateTimeSql } from "../../dialect";
import { DAY_MS, HOUR_MS, refreshRecentTotals, truncateToDay, truncateToHour } from "../../usage-rollups";
import { buckets, SERIES_DAYS, SERIES_HOURS, sum, type CountedRow, type UsageSeries, type UsageTotals } from "./series";

// The organization's usage at a glance, for the usage page.

export const NEAR_QUOTA_FRACTION = 0.1;
const OVERVIEW_LIST_LIMIT = 10;

export type OverviewToken = { id: string; name: string };
export type OrgUsageOverview = {
  totals: UsageTotals;
  series: UsageSeries;
  /** Requests over the rolling 30-day window. */
  topTokens: (OverviewToken & { requests: number })[];
  nearQuota: { total: number; tokens: (OverviewToken & QuotaNow)[] };
  unused: { days30: number; days90: number; tokens: (OverviewToken & { lastUsedAt: Date | null; createdAt: Date })[] };
  expiring: { total: number; tokens: (OverviewToken & { expiresAt: Date })[] };
};

/**
 * The org's usage at a glance. Request counts cover every token of the org; the token lists
 * name only tokens the viewer may see (members: organization-visible ones).
 */
export async function getOrgUsageOverview(orgId: string, role: OrgRole, now = new Date()): Promise<OrgUsageOverview> {
  const firstHour = truncateToHour(now.getTime()) - (SERIES_HOURS - 1) * HOUR_MS;
  const firstDay = truncateToDay(now.getTime()) - (SERIES_DAYS - 1) * DAY_MS;
  const visible = visibleTokensWhere(orgId, role);
  const live = { ...visible, status: "ACTIVE" as const, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
  const unusedSince = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const unusedWhere = (days: number) => ({
    AND: [live, { createdAt: { lt: unusedSince(days) } }, { OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: unusedSince(days) } }] }],
  });
  const expiringWhere = { ...visible, status: "ACTIVE" as const, expiresAt: { gt: now, lte: new Date(now.getTime() + 7 * DAY_MS) } };

  const [series, topTokens, nearQuota, unused, unusedTokens, expiringTotal, expiring] = await Promise.all([
    orgSeries(orgId, firstHour, firstDay),
    topTokensByVolume(orgId, role, now),
    tokensNearQuota(orgId, role, now),
    unusedCounts(orgId, role, now),
    db.apiToken.findMany({
      where: unusedWhere(30),
      orderBy: [{ lastUsedAt: { sort: "asc", nulls: "first" } }, { createdAt: "asc" }],
      take: OVERVIEW_LIST_LIMIT,
      select: { id: true, name: true, lastUsedAt: true, createdAt: true },
    }),
    db.apiToken.count({ where: expiringWhere }),
    db.apiToken.findMany({
      where: expiringWhere,
      orderBy: [{ expiresAt: "asc" }, { id: "asc" }],
      take: OVERVIEW_LIST_LIMIT,
      select: { id: true, name: true, expiresAt: true },
    }),
  ]);

  return {
    totals: { last24h: sum(series.hourly), last30d: sum(series.daily) },
    series,
    topTokens,
    nearQuota,
    unused: { ...unused, tokens: unusedTokens },
    expiring: { total: expiringTotal, tokens: expiring.map((token) => ({ id: token.id, name: token.name, expiresAt: token.expiresAt! })) },
  };
}

/** The org's busiest tokens over the rolling 30-day window: an index read of UsageRecentTotal (kept current by the writers). */
async function topTokensByVolume(orgId: string, role: OrgRole, now: Date): Promise<(OverviewToken & { requests: number })[]> {
  await refreshRecentTotals(db, orgId, now);
  const p = new SqlParams(dialect);
  const rows = await db.$queryRawUnsafe<{ id: string; name: string; requests: unknown }[]>(
    `SELECT t."id", t."name", r."requests" FROM "UsageRecentTotal" r
     JOIN "ApiToken" t ON t."id" = r."tokenId" AND t."orgId" = r."orgId" AND ${visibleTokensSql(role, "t")}
     WHERE r."orgId" = ${p.add(orgId)} AND r."requests" > 0
     ORDER BY r."requests" DESC LIMIT ${OVERVIEW_LIST_LIMIT}`,
    ...p.values,
  );
  return rows.map((row) => ({ id: row.id, name: row.name, requests: Number(row.requests) }));
}

/** The org's requests per UTC day (summed from its hourly rollup in the database) and per hour for the last 24. */
async function orgSeries(orgId: string, firstHour: number, firstDay: number): Promise<UsageSeries> {
  const p = new SqlParams(dialect);
  const dayOf = truncateTimeSql(dialect, '"hour"', "day");
  const counters = ["requests", ...OUTCOMES].map((c) => `SUM("${c}") AS "${c}"`).join(", ");
  const [days, hours] = await Promise.all([
    db.$queryRawUnsafe<Record<string, unknown>[]>(
      `SELECT ${dayOf} AS "start", ${counters} FROM "UsageOrgHourly" WHERE "orgId" = ${p.add(orgId)} AND "hour" >= ${p.time(new Date(firstDay))} GROUP BY ${dayOf}`,
      ...p.values,
    ),
    db.usageOrgHourly.findMany({ where: { orgId, hour: { gte: new Date(firstHour) } } }),
  ]);
  const counted = (row: Record<string, unknown>): CountedRow => ({
    start: toDate(row.start),
    requests: Number(row.requests),
    ...(Object.fromEntries(OUTCOMES.map((outcome) => [outcome, Number(row[outcome])])) as Record<Outcome, number>),
  });
  return {
    hourly: buckets(
      firstHour,
      HOUR_MS,
      SERIES_HOURS,
      hours.map((row) => ({ ...row, start: row.hour })),
    ),
    daily: buckets(firstDay, DAY_MS, SERIES_DAYS, days.map(counted)),
  };
}

/** Live tokens in an unfinished window with at most NEAR_QUOTA_FRACTION of their quota left, emptiest first, and how many (one pass). */
async function tokensNearQuota(orgId: string, role: OrgRole, now: Date): Promise<OrgUsageOverview["nearQuota"]> {
  const p = new SqlParams(dialect);
  const where = [
    `"orgId" = ${p.add(orgId)}`,
    `"status" = 'ACTIVE'`,
    `("expiresAt" IS NULL OR "expiresAt" > ${p.time(now)})`,
    // A window that has ended counts as full (quotaAt), so it is never near its quota.
    `"quotaResetAt" > ${p.time(now)}`,
    `"quotaMax" > 0`,
    `"quotaRemaining" <= "quotaMax" * ${NEAR_QUOTA_FRACTION}`,
    visibleTokensSql(role),
  ].join(" AND ");
  const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(
    `SELECT "id", "name", "quotaRemaining", "quotaMax", "quotaWindow", "quotaResetAt", COUNT(*) OVER () AS "total" FROM "ApiToken" WHERE ${where}
     ORDER BY CAST("quotaRemaining" AS REAL) / "quotaMax" ASC, "id" ASC LIMIT ${OVERVIEW_LIST_LIMIT}`,
    ...p.values,
  );
  return {
    total: Number(rows[0]?.total ?? 0),
    tokens: rows.map((row) => ({
      id: String(row.id),
      name: String(row.name),
      ...quotaAt(
        {
          quotaRemaining: Number(row.quotaRemaining),
          quotaMax: Number(row.quotaMax),
          quotaWindow: row.quotaWindow as QuotaWindow,
          quotaResetAt: toDate(row.quotaResetAt),
        },
        now,
      ),
    })),
  };
}

/** Live tokens older than 30 (90) days with no call in that time, both counted in one pass. */
async function unusedCounts(orgId: string, role: OrgRole, now: Date): Promise<{ days30: number; days90: number }> {
  const p = new SqlParams(dialect);
  const cutoff = (days: number) => new Date(now.getTime() - days * DAY_MS);
  // Each placeholder takes its own value (SQLite's "?" cannot be reused).
  const idleSince = (days: number) =>
    `"createdAt" < ${p.time(cutoff(days))} AND ("lastUsedAt" IS NULL OR "lastUsedAt" < ${p.time(cutoff(days))})`;
  const days90 = idleSince(90);
  const days30 = idleSince(30);
  const where = [
    `"orgId" = ${p.add(orgId)}`,
    `"status" = 'ACTIVE'`,
    `("expiresAt" IS NULL OR "expiresAt" > ${p.time(now)})`,
    visibleTokensSql(role),
  ].join(" AND ");
  const [row] = await db.$queryRawUnsafe<{ days30: unknown; days90: unknown }[]>(
    `SELECT COALESCE(SUM(CASE WHEN ${days90} THEN 1 ELSE 0 END), 0) AS "days90", COALESCE(SUM(CASE WHEN ${days30} THEN 1 ELSE 0 END), 0) AS "days30"
     FROM "ApiToken" WHERE ${where}`,
    ...p.values,
  );
  return { days30: Number(row?.days30 ?? 0), days90: Number(row?.days90 ?? 0) };
}
