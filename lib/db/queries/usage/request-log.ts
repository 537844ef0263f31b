import "server-only";

import { outcomeOf, type Outcome } from "@/lib/domain/usage/outcomes";
import {
  REQUEST_LOG_CSV_MAX_ROWS,
  REQUEST_LOG_MAX_ROWS,
  type RequestLogFilters,
  type RequestLogParams,
  type RequestLogSort,
  type StatusFilter,
} from "@/lib/validations/usage";

import { db, databaseProvider as dialect } from "../../client";
import { SqlParams, dateFromSql as toDate } from "../../dialect";

// One token's request log. UsageEvent is read only here, always through an index that starts
// with the token and yields rows in the order shown, and never more rows than a page (plus a
// capped count). Callers authorize first: these take a token the viewer may see.

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

type IndexName = "tokenId_at" | "tokenId_status_at" | "tokenId_route_at" | "tokenId_ip_at";

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
    where.push(
      statusCodes.length === 1
        ? `"status" = ${p.add(statusCodes[0])}`
        : `"status" IN (${statusCodes.map((code) => p.add(code)).join(", ")})`,
    );
  }
  if (filters.from) where.push(`"at" >= ${p.time(filters.from)}`);
  if (filters.to) where.push(`"at" < ${p.time(filters.to)}`);
  return where;
}

/** Every distinct status of the token, by skipping through the status index (a handful of seeks, not a scan). */
async function statusesOfToken(tokenId: string): Promise<number[]> {
  const p = new SqlParams(dialect);
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
  const branchCodes =
    index === "tokenId_status_at" && statusCodes && statusCodes.length > 1 ? statusCodes.map((code) => [code]) : [statusCodes];
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

/** Matching rows, counted through an index up to `cap` (+1 to know there are more). */
async function countRows(tokenId: string, filters: RequestLogFilters, statusCodes: readonly number[] | null, cap: number) {
  const p = new SqlParams(dialect);
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
  const p = new SqlParams(dialect);
  const sql = pageSql(p, tokenId, params, statusCodes, params.sort, params.dir, params.size, (page - 1) * params.size, null);
  return { rows: await readRows(sql, p.values), total, capped, page, pageSize: params.size };
}

const CSV_BATCH = 2_000;
export const REQUEST_LOG_CSV_HEADER = [
  "time",
  "method",
  "route",
  "status",
  "outcome",
  "ip",
  "user_agent",
  "cost",
  "token_value",
  "request_id",
];

/** Every matching row, newest first, as CSV lines (header first), read in index-ordered batches. */
export async function* tokenRequestsCsv(tokenId: string, filters: RequestLogFilters): AsyncGenerator<string> {
  yield csvLine(REQUEST_LOG_CSV_HEADER);
  const statusCodes = await statusCodesFor(tokenId, filters);
  if (statusCodes && statusCodes.length === 0) return;
  let after: { at: Date; id: number } | null = null;
  let written = 0;
  while (written < REQUEST_LOG_CSV_MAX_ROWS) {
    const p = new SqlParams(dialect);
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
