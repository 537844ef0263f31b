import "server-only";

import { ENDPOINTS } from "@/lib/api/endpoints";
import { quotaAt, type QuotaNow } from "@/lib/domain/tokens/quota";
import { scopeUsageReport, type ScopeUsageReport } from "@/lib/domain/usage/scope-usage";
import type { QuotaWindow, Scope } from "@/lib/tokens";

import { db } from "../../client";
import { DAY_MS, HOUR_MS, truncateToDay, truncateToHour, type BreakdownDimension } from "../../usage-rollups";
import { buckets, SERIES_DAYS, SERIES_HOURS, sum, type TopValue, type UsageSeries, type UsageTotals } from "./series";

// One token's usage, for its page: quota, totals, series, top lists and scopes used, from the
// token row and the rollups.

export type TokenUsage = {
  /** As a caller would find it now (lib/domain/tokens/quota.ts quotaAt). */
  quota: QuotaNow;
  totals: UsageTotals;
  series: UsageSeries;
  top: { routes: TopValue[]; ips: TopValue[]; userAgents: TopValue[] };
  /** Granted vs. used in the last 30 days (or since the token was created). */
  scopes: ScopeUsageReport & { since: Date; countedRequests: number };
  /** Routes for the log's filter: every API route, and any other route this token called recently. */
  routeOptions: string[];
};

const TOP_LIMIT = 5;

/** Everything the token page shows about usage, from the token row and rollups. */
export async function getTokenUsage(
  token: {
    id: string;
    orgId: string;
    scopes: Scope[];
    createdAt: Date;
    quotaMax: number;
    quotaRemaining: number;
    quotaWindow: QuotaWindow;
    quotaResetAt: Date;
  },
  now = new Date(),
): Promise<TokenUsage> {
  const firstHour = truncateToHour(now.getTime()) - (SERIES_HOURS - 1) * HOUR_MS;
  const firstDay = truncateToDay(now.getTime()) - (SERIES_DAYS - 1) * DAY_MS;
  const [hours, days, routes, ips, userAgents] = await Promise.all([
    db.usageHourly.findMany({ where: { tokenId: token.id, hour: { gte: new Date(firstHour) } }, orderBy: { hour: "asc" } }),
    db.usageDaily.findMany({ where: { tokenId: token.id, day: { gte: new Date(firstDay) } }, orderBy: { day: "asc" } }),
    topValues(token.id, "route", firstDay, null),
    topValues(token.id, "ip", firstDay, TOP_LIMIT),
    topValues(token.id, "userAgent", firstDay, TOP_LIMIT),
  ]);
  const series: UsageSeries = {
    hourly: buckets(
      firstHour,
      HOUR_MS,
      SERIES_HOURS,
      hours.map((row) => ({ ...row, start: row.hour })),
    ),
    daily: buckets(
      firstDay,
      DAY_MS,
      SERIES_DAYS,
      days.map((row) => ({ ...row, start: row.day })),
    ),
  };

  const endpointRoutes = Object.values(ENDPOINTS).map((spec) => `${spec.method} ${spec.path}`);

  return {
    quota: quotaAt(token, now),
    totals: { last24h: sum(series.hourly), last30d: sum(series.daily) },
    series,
    top: { routes: routes.slice(0, TOP_LIMIT), ips, userAgents },
    scopes: scopeUsageFrom(token, routes, firstDay),
    routeOptions: [...new Set([...endpointRoutes, ...routes.map((route) => route.value)])].sort(),
  };
}

export type TokenScopeUsage = TokenUsage["scopes"];

/** Granted vs. used scopes alone (the "narrow scopes" action recomputes this before it changes anything). */
export async function getTokenScopeUsage(
  token: { id: string; scopes: Scope[]; createdAt: Date },
  now = new Date(),
): Promise<TokenScopeUsage> {
  const firstDay = truncateToDay(now.getTime()) - (SERIES_DAYS - 1) * DAY_MS;
  return scopeUsageFrom(token, await topValues(token.id, "route", firstDay, null), firstDay);
}

function scopeUsageFrom(token: { scopes: Scope[]; createdAt: Date }, routes: readonly TopValue[], firstDay: number): TokenScopeUsage {
  // Calls refused as unauthorized or forbidden did not use the route's scope.
  const authorized = routes.filter((route) => route.requests > route.denied);
  return {
    ...scopeUsageReport(
      token.scopes,
      authorized.map((route) => route.value),
    ),
    since: new Date(Math.max(firstDay, token.createdAt.getTime())),
    countedRequests: authorized.reduce((total, route) => total + route.requests - route.denied, 0),
  };
}

async function topValues(tokenId: string, dimension: BreakdownDimension, firstDay: number, limit: number | null): Promise<TopValue[]> {
  const groups = await db.usageBreakdownDaily.groupBy({
    by: ["value"],
    where: { tokenId, dimension, day: { gte: new Date(firstDay) } },
    _sum: { requests: true, denied: true },
    _max: { lastAt: true },
    orderBy: [{ _sum: { requests: "desc" } }, { value: "asc" }],
    ...(limit === null ? {} : { take: limit }),
  });
  return groups.map((group) => ({
    value: group.value,
    requests: group._sum.requests ?? 0,
    denied: group._sum.denied ?? 0,
    lastAt: group._max.lastAt ?? new Date(0),
  }));
}
