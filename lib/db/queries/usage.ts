import "server-only";
import type { OrgRole } from "@/lib/auth/permissions";
import { nextQuotaReset, type QuotaWindow, type Scope } from "@/lib/tokens";
import { emptyOutcomeCounts, OUTCOMES, outcomeOf, type Outcome, type OutcomeCounts } from "@/lib/usage/outcomes";
import { scopeUsageReport, type ScopeUsageReport } from "@/lib/usage/scope-usage";
import {
  REQUEST_LOG_CSV_MAX_ROWS,
  REQUEST_LOG_MAX_ROWS,
  type RequestLogFilters,
  type RequestLogParams,
  type RequestLogSort,
  type StatusFilter,
} from "@/lib/validations/usage";
import { ENDPOINTS } from "@/lib/api/endpoints";
import { databaseProvider, db } from "../client";
import { DAY_MS, HOUR_MS, refreshRecentTotals, truncateToDay, truncateToHour, type BreakdownDimension } from "../usage-rollups";
import { visibleTokensWhere } from "./tokens";

// Named usage queries for the dashboard. Everything shown over time comes from the rollups
// (lib/db/usage-rollups.ts); UsageEvent is read only for the request log, always through an
// index that starts with the token and yields rows in the order shown, and never more rows than
// a page (plus a capped count). Callers authorize first: these take a token the viewer may see.

const dialect = databaseProvider;

// ---------------------------------------------------------------------------------------
// Shapes

export type UsageBucket = OutcomeCounts & { start: Date };
export type UsageSeries = { hourly: UsageBucket[]; daily: UsageBucket[] };
export type UsageTotals = { last24h: OutcomeCounts; last30d: OutcomeCounts };
export type TopValue = { value: string; requests: number; denied: number; lastAt: Date };

export type TokenUsage = {
  quota: { remaining: number; max: number; window: QuotaWindow; resetAt: Date };
  totals: UsageTotals;
  series: UsageSeries;
  top: { routes: TopValue[]; ips: TopValue[]; userAgents: TopValue[] };
  /** Granted vs. used in the last 30 days (or since the token was created). */
  scopes: ScopeUsageReport & { since: Date; countedRequests: number };
  /** Routes for the log's filter: every API route, and any other route this token called recently. */
  routeOptions: string[];
};

export type RequestLogRow = {
  id: number;
  requestId: string;
  at: Date;
  method: string;
  route: string;
  status: number;
  outcome: Outcome;
  ip: string | null;
  userAgent: string | null;
  cost: number;
  /** Last four characters of the value that made the call (which one, across rotations). */
  valueLastFour: string | null;
};

export type RequestLogPage = {
  rows: RequestLogRow[];
  /** Matching rows, counted up to REQUEST_LOG_MAX_ROWS. */
  total: number;
  /** More rows match than were counted. */
  capped: boolean;
  page: number;
  pageSize: number;
};

const SERIES_HOURS = 24;
const SERIES_DAYS = 30;
const TOP_LIMIT = 5;

// ---------------------------------------------------------------------------------------
// Token detail

/** Everything the token page shows about usage, from the token row and rollups. */
export async function getTokenUsage(
  token: { id: string; orgId: string; scopes: Scope[]; createdAt: Date; quotaMax: number; quotaRemaining: number; quotaWindow: QuotaWindow; quotaResetAt: Date },
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
    hourly: buckets(firstHour, HOUR_MS, SERIES_HOURS, hours.map((row) => ({ ...row, start: row.hour }))),
    daily: buckets(firstDay, DAY_MS, SERIES_DAYS, days.map((row) => ({ ...row, start: row.day }))),
  };

  const endpointRoutes = Object.values(ENDPOINTS).map((spec) => `${spec.method} ${spec.path}`);

  return {
    quota: effectiveQuota(token, now),
    totals: { last24h: sum(series.hourly), last30d: sum(series.daily) },
    series,
    top: { routes: routes.slice(0, TOP_LIMIT), ips, userAgents },
    scopes: scopeUsageFrom(token, routes, firstDay),
    routeOptions: [...new Set([...endpointRoutes, ...routes.map((route) => route.value)])].sort(),
  };
}

export type TokenScopeUsage = TokenUsage["scopes"];

/** Granted vs. used scopes alone (the "narrow scopes" action recomputes this before it changes anything). */
export async function getTokenScopeUsage(token: { id: string; scopes: Scope[]; createdAt: Date }, now = new Date()): Promise<TokenScopeUsage> {
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

/** A window that has ended refills on the next call; show it as the caller will find it. */
function effectiveQuota(
  token: { quotaMax: number; quotaRemaining: number; quotaWindow: QuotaWindow; quotaResetAt: Date },
  now: Date,
) {
  if (token.quotaResetAt.getTime() <= now.getTime()) {
    return { remaining: token.quotaMax, max: token.quotaMax, window: token.quotaWindow, resetAt: nextQuotaReset(token.quotaWindow, now) };
  }
  return { remaining: Math.max(0, token.quotaRemaining), max: token.quotaMax, window: token.quotaWindow, resetAt: token.quotaResetAt };
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

type CountedRow = OutcomeCounts & { start: Date };

function buckets(first: number, step: number, count: number, rows: readonly CountedRow[]): UsageBucket[] {
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

function sum(series: readonly OutcomeCounts[]): OutcomeCounts {
  const total = emptyOutcomeCounts();
  for (const bucket of series) {
    total.requests += bucket.requests;
    for (const outcome of OUTCOMES) total[outcome] += bucket[outcome];
  }
  return total;
}

// ---------------------------------------------------------------------------------------
// Request log

type IndexName = "tokenId_at" | "tokenId_status_at" | "tokenId_route_at" | "tokenId_ip_at";

/** Parameters in the provider's syntax: `?` for SQLite, `$n` with a cast for PostgreSQL; times as epoch ms or ISO text. */
class SqlParams {
  readonly values: unknown[] = [];
  add(value: string | number): string {
    this.values.push(value);
    if (dialect === "sqlite") return "?";
    return `$${this.values.length}::${typeof value === "number" ? "int" : "text"}`;
  }
  time(value: Date): string {
    if (dialect === "sqlite") {
      this.values.push(value.getTime());
      return "?";
    }
    this.values.push(value.toISOString());
    return `$${this.values.length}::timestamp(3)`;
  }
}

const LOG_COLUMNS = `"id", "requestId", "at", "method", "route", "status", "ip", "userAgent", "cost", "valueId"`;

/** SQLite guesses badly between these indexes without statistics, so it is told; PostgreSQL plans with its own. */
function from(index: IndexName): string {
  return dialect === "sqlite" ? `"UsageEvent" INDEXED BY "UsageEvent_${index}_idx"` : `"UsageEvent"`;
}

/**
 * The index whose leading columns the most selective filter pins down, so matching rows come
 * out in time order and few others are read: an IP first, then an error status (errors are
 * rare), then a route, then success statuses (most calls).
 */
function filterIndex(filters: RequestLogFilters): IndexName {
  if (filters.ip) return "tokenId_ip_at";
  if (filters.status && !isSuccessFilter(filters.status)) return "tokenId_status_at";
  if (filters.route) return "tokenId_route_at";
  if (filters.status) return "tokenId_status_at";
  return "tokenId_at";
}

function isSuccessFilter(status: StatusFilter): boolean {
  return status.kind === "outcome" ? status.outcome === "success" : status.code < 400;
}

function indexFor(filters: RequestLogFilters, sort: RequestLogSort): IndexName {
  switch (sort) {
    case "status":
      return "tokenId_status_at";
    case "route":
      return "tokenId_route_at";
    case "ip":
      return "tokenId_ip_at";
    case "time":
      return filterIndex(filters);
  }
}

function orderBy(sort: RequestLogSort, dir: "asc" | "desc"): string {
  const d = dir === "asc" ? "ASC" : "DESC";
  // Within a status, route or IP, rows follow the same direction in time, which is the index's own order.
  const leading = sort === "time" ? "" : `"${sort}" ${d}, `;
  return `${leading}"at" ${d}, "id" ${d}`;
}

/**
 * Conditions for one token's rows. A status class (e.g. "4xx") is a set of exact statuses:
 * `statusCodes` are the ones this token has ever answered with in that class.
 */
function conditions(p: SqlParams, tokenId: string, filters: RequestLogFilters, statusCodes: readonly number[] | null): string[] {
  // The token was looked up within the viewer's org; repeating the org here would cost a table read per counted row.
  const where = [`"tokenId" = ${p.add(tokenId)}`];
  if (filters.ip) where.push(`"ip" = ${p.add(filters.ip)}`);
  if (filters.route) where.push(`"route" = ${p.add(filters.route.route)}`, `"method" = ${p.add(filters.route.method)}`);
  if (statusCodes) {
    where.push(statusCodes.length === 1 ? `"status" = ${p.add(statusCodes[0])}` : `"status" IN (${statusCodes.map((code) => p.add(code)).join(", ")})`);
  }
  if (filters.from) where.push(`"at" >= ${p.time(filters.from)}`);
  if (filters.to) where.push(`"at" < ${p.time(filters.to)}`);
  return where;
}

/** Every distinct status of the token, by skipping through the status index (a handful of seeks, not a scan). */
async function statusesOfToken(tokenId: string): Promise<number[]> {
  const p = new SqlParams();
  const first = p.add(tokenId);
  const next = p.add(tokenId);
  const rows = await db.$queryRawUnsafe<{ status: unknown }[]>(
    `WITH RECURSIVE codes(status) AS (
       SELECT MIN("status") FROM ${from("tokenId_status_at")} WHERE "tokenId" = ${first}
       UNION ALL
       SELECT (SELECT MIN("status") FROM ${from("tokenId_status_at")} WHERE "tokenId" = ${next} AND "status" > codes.status)
       FROM codes WHERE codes.status IS NOT NULL
     )
     SELECT status FROM codes WHERE status IS NOT NULL`,
    ...p.values,
  );
  return rows.map((row) => Number(row.status));
}

/** The exact statuses a status filter stands for; null when there is no status filter. */
async function statusCodesFor(tokenId: string, filters: RequestLogFilters): Promise<number[] | null> {
  const status = filters.status;
  if (!status) return null;
  if (status.kind === "code") return [status.code];
  const codes = await statusesOfToken(tokenId);
  return codes.filter((code) => outcomeOf(code) === status.outcome);
}

/**
 * The newest (or otherwise sorted) matching rows, `limit` of them after skipping `offset`. When
 * the rows are read through the status index and several statuses match, each status is read
 * separately in index order and the results merged, so no branch reads more than offset+limit rows.
 */
function pageSql(
  p: SqlParams,
  tokenId: string,
  filters: RequestLogFilters,
  statusCodes: readonly number[] | null,
  sort: RequestLogSort,
  dir: "asc" | "desc",
  limit: number,
  offset: number,
  after: { at: Date; id: number } | null,
): string {
  const index = indexFor(filters, sort);
  const order = orderBy(sort, dir);
  const branchCodes = index === "tokenId_status_at" && statusCodes && statusCodes.length > 1 ? statusCodes.map((code) => [code]) : [statusCodes];
  const branch = (codes: readonly number[] | null) => {
    const where = conditions(p, tokenId, filters, codes);
    if (after) {
      // Keyset continuation for exports (time order, newest first).
      where.push(`"at" <= ${p.time(after.at)}`, `("at" < ${p.time(after.at)} OR "id" < ${p.add(after.id)})`);
    }
    return `SELECT ${LOG_COLUMNS} FROM ${from(index)} WHERE ${where.join(" AND ")} ORDER BY ${order}`;
  };
  if (branchCodes.length === 1) return `${branch(branchCodes[0])} LIMIT ${limit} OFFSET ${offset}`;
  const union = branchCodes.map((codes, i) => `SELECT * FROM (${branch(codes)} LIMIT ${offset + limit}) AS b${i}`).join(" UNION ALL ");
  return `SELECT * FROM (${union}) AS merged ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`;
}

type LogDbRow = {
  id: unknown;
  requestId: string;
  at: unknown;
  method: string;
  route: string;
  status: unknown;
  ip: string | null;
  userAgent: string | null;
  cost: unknown;
  valueId: string | null;
};

async function readRows(sql: string, params: unknown[]): Promise<RequestLogRow[]> {
  const rows = await db.$queryRawUnsafe<LogDbRow[]>(sql, ...params);
  const valueIds = [...new Set(rows.map((row) => row.valueId).filter((id): id is string => id !== null))];
  const values = valueIds.length
    ? await db.apiTokenValue.findMany({ where: { id: { in: valueIds } }, select: { id: true, lastFour: true } })
    : [];
  const lastFour = new Map(values.map((value) => [value.id, value.lastFour]));
  return rows.map((row) => {
    const status = Number(row.status);
    return {
      id: Number(row.id),
      requestId: row.requestId,
      at: toDate(row.at),
      method: row.method,
      route: row.route,
      status,
      outcome: outcomeOf(status),
      ip: row.ip,
      userAgent: row.userAgent,
      cost: Number(row.cost),
      valueLastFour: row.valueId ? (lastFour.get(row.valueId) ?? null) : null,
    };
  });
}

function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === "number" || typeof value === "bigint") return new Date(Number(value));
  const text = String(value);
  return /^\d+$/.test(text) ? new Date(Number(text)) : new Date(text.endsWith("Z") || text.includes("+") ? text : `${text}Z`);
}

/** Matching rows, counted through an index up to `cap` (+1 to know there are more). */
async function countRows(tokenId: string, filters: RequestLogFilters, statusCodes: readonly number[] | null, cap: number) {
  const p = new SqlParams();
  const where = conditions(p, tokenId, filters, statusCodes);
  const rows = await db.$queryRawUnsafe<{ n: unknown }[]>(
    `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${from(filterIndex(filters))} WHERE ${where.join(" AND ")} LIMIT ${cap + 1}) AS matching`,
    ...p.values,
  );
  const n = Number(rows[0]?.n ?? 0);
  return { total: Math.min(n, cap), capped: n > cap };
}

/** One page of the token's request log, filtered and sorted in the database. */
export async function listTokenRequests(tokenId: string, params: RequestLogParams): Promise<RequestLogPage> {
  const statusCodes = await statusCodesFor(tokenId, params);
  if (statusCodes && statusCodes.length === 0) return { rows: [], total: 0, capped: false, page: 1, pageSize: params.size };
  const { total, capped } = await countRows(tokenId, params, statusCodes, REQUEST_LOG_MAX_ROWS);
  const lastPage = Math.max(1, Math.ceil(total / params.size));
  const page = Math.min(params.page, lastPage);
  const p = new SqlParams();
  const sql = pageSql(p, tokenId, params, statusCodes, params.sort, params.dir, params.size, (page - 1) * params.size, null);
  return { rows: await readRows(sql, p.values), total, capped, page, pageSize: params.size };
}

const CSV_BATCH = 2_000;
export const REQUEST_LOG_CSV_HEADER = ["time", "method", "route", "status", "outcome", "ip", "user_agent", "cost", "token_value", "request_id"];

/** Every matching row, newest first, as CSV lines (header first), read in index-ordered batches. */
export async function* tokenRequestsCsv(tokenId: string, filters: RequestLogFilters): AsyncGenerator<string> {
  yield csvLine(REQUEST_LOG_CSV_HEADER);
  const statusCodes = await statusCodesFor(tokenId, filters);
  if (statusCodes && statusCodes.length === 0) return;
  let after: { at: Date; id: number } | null = null;
  let written = 0;
  while (written < REQUEST_LOG_CSV_MAX_ROWS) {
    const p = new SqlParams();
    const limit = Math.min(CSV_BATCH, REQUEST_LOG_CSV_MAX_ROWS - written);
    const rows = await readRows(pageSql(p, tokenId, filters, statusCodes, "time", "desc", limit, 0, after), p.values);
    if (rows.length === 0) return;
    yield rows
      .map((row) =>
        csvLine([
          row.at.toISOString(),
          row.method,
          row.route,
          String(row.status),
          row.outcome,
          row.ip ?? "",
          row.userAgent ?? "",
          String(row.cost),
          row.valueLastFour ? `…${row.valueLastFour}` : "",
          row.requestId,
        ]),
      )
      .join("");
    written += rows.length;
    const last = rows[rows.length - 1];
    after = { at: last.at, id: last.id };
    if (rows.length < limit) return;
  }
}

function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

/** RFC 4180 quoting; a leading = + - @ is defused so a spreadsheet never runs a user agent as a formula. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

// ---------------------------------------------------------------------------------------
// Org overview

export const NEAR_QUOTA_FRACTION = 0.1;
const OVERVIEW_LIST_LIMIT = 10;

export type OverviewToken = { id: string; name: string };
export type OrgUsageOverview = {
  totals: UsageTotals;
  series: UsageSeries;
  /** Requests over the rolling 30-day window. */
  topTokens: (OverviewToken & { requests: number })[];
  nearQuota: { total: number; tokens: (OverviewToken & { remaining: number; max: number; window: QuotaWindow; resetAt: Date })[] };
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
  const p = new SqlParams();
  const visibility = role === "ADMIN" ? "" : ` AND t."visibility" = 'ORGANIZATION'`;
  const rows = await db.$queryRawUnsafe<{ id: string; name: string; requests: unknown }[]>(
    `SELECT t."id", t."name", r."requests" FROM "UsageRecentTotal" r
     JOIN "ApiToken" t ON t."id" = r."tokenId" AND t."orgId" = r."orgId"${visibility}
     WHERE r."orgId" = ${p.add(orgId)} AND r."requests" > 0
     ORDER BY r."requests" DESC LIMIT ${OVERVIEW_LIST_LIMIT}`,
    ...p.values,
  );
  return rows.map((row) => ({ id: row.id, name: row.name, requests: Number(row.requests) }));
}

/** The org's requests per UTC day (summed from its hourly rollup in the database) and per hour for the last 24. */
async function orgSeries(orgId: string, firstHour: number, firstDay: number): Promise<UsageSeries> {
  const p = new SqlParams();
  const dayOf = dialect === "sqlite" ? `("hour" / ${DAY_MS}) * ${DAY_MS}` : `date_trunc('day', "hour")`;
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
    hourly: buckets(firstHour, HOUR_MS, SERIES_HOURS, hours.map((row) => ({ ...row, start: row.hour }))),
    daily: buckets(firstDay, DAY_MS, SERIES_DAYS, days.map(counted)),
  };
}

/** Live tokens in an unfinished window with at most NEAR_QUOTA_FRACTION of their quota left, emptiest first, and how many (one pass). */
async function tokensNearQuota(orgId: string, role: OrgRole, now: Date): Promise<OrgUsageOverview["nearQuota"]> {
  const p = new SqlParams();
  const where = [
    `"orgId" = ${p.add(orgId)}`,
    `"status" = 'ACTIVE'`,
    `("expiresAt" IS NULL OR "expiresAt" > ${p.time(now)})`,
    `"quotaResetAt" > ${p.time(now)}`,
    `"quotaMax" > 0`,
    `"quotaRemaining" <= "quotaMax" * ${NEAR_QUOTA_FRACTION}`,
    ...(role === "ADMIN" ? [] : [`"visibility" = 'ORGANIZATION'`]),
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
      remaining: Math.max(0, Number(row.quotaRemaining)),
      max: Number(row.quotaMax),
      window: row.quotaWindow as QuotaWindow,
      resetAt: toDate(row.quotaResetAt),
    })),
  };
}

/** Live tokens older than 30 (90) days with no call in that time, both counted in one pass. */
async function unusedCounts(orgId: string, role: OrgRole, now: Date): Promise<{ days30: number; days90: number }> {
  const p = new SqlParams();
  const cutoff = (days: number) => new Date(now.getTime() - days * DAY_MS);
  // Each placeholder takes its own value (SQLite's "?" cannot be reused).
  const idleSince = (days: number) => `"createdAt" < ${p.time(cutoff(days))} AND ("lastUsedAt" IS NULL OR "lastUsedAt" < ${p.time(cutoff(days))})`;
  const days90 = idleSince(90);
  const days30 = idleSince(30);
  const where = [
    `"orgId" = ${p.add(orgId)}`,
    `"status" = 'ACTIVE'`,
    `("expiresAt" IS NULL OR "expiresAt" > ${p.time(now)})`,
    ...(role === "ADMIN" ? [] : [`"visibility" = 'ORGANIZATION'`]),
  ].join(" AND ");
  const [row] = await db.$queryRawUnsafe<{ days30: unknown; days90: unknown }[]>(
    `SELECT COALESCE(SUM(CASE WHEN ${days90} THEN 1 ELSE 0 END), 0) AS "days90", COALESCE(SUM(CASE WHEN ${days30} THEN 1 ELSE 0 END), 0) AS "days30"
     FROM "ApiToken" WHERE ${where}`,
    ...p.values,
  );
  return { days30: Number(row?.days30 ?? 0), days90: Number(row?.days90 ?? 0) };
}
