import type BetterSqlite3 from "better-sqlite3";

import { isDenied, OUTCOME_SQL, outcomeOf, OUTCOMES, type Outcome } from "../domain/usage/outcomes";
import { REFUSAL_REASONS, REFUSAL_STATUS, type RefusedCallGroup } from "../domain/usage/refusals";
import type { Db } from "./client";
import {
  dialectOf,
  greatestSql,
  placeholder,
  timeParam,
  truncateTimeSql,
  type SqlDialect,
  type SqlParamKind,
  type SqlStatement,
} from "./dialect";

// Usage rollups (see the models in prisma/schema.prisma): request counts per token and hour,
// per token and day, per org and hour, and per token, day and route / IP / user agent. They are
// written in the same transaction as the UsageEvent rows they count, so they always equal a
// recount of those rows, and the dashboard reads a few rollup rows instead of scanning events.
// Refused calls counted in RefusedCallCount instead of rows (lib/domain/usage/refusals.ts) are in the
// rollups too, written in the same transaction as their counters.
//
// No "server-only" and no Prisma client here: the REST API's usage writer (lib/api/store-*.ts)
// calls this on its raw better-sqlite3 connection or pg client, outside Next.js.

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const truncateToHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
export const truncateToDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

/** What a rollup needs of a usage row (the API's UsageRow has these fields; times are epoch ms). */
export type RollupEvent = {
  tokenId: string;
  orgId: string;
  at: number;
  method: string;
  route: string;
  status: number;
  ip: string | null;
  userAgent: string | null;
  cost: number;
  /** How many alike calls this stands for (a group of refused calls); 1 when absent. */
  count?: number;
};

export const BREAKDOWN_DIMENSIONS = ["route", "ip", "userAgent"] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];

/** A route as the breakdowns and a token's last use (`lastUsedRoute`) name it: method and path template. */
export const routeKey = (method: string, route: string) => `${method} ${route}`;

type Counters = Record<Outcome, number> & { requests: number; cost: number };
export type TokenHourRollup = Counters & { tokenId: string; orgId: string; hour: number };
export type TokenDayRollup = Counters & { tokenId: string; orgId: string; day: number };
export type OrgHourRollup = Counters & { orgId: string; hour: number };
export type BreakdownRollup = {
  tokenId: string;
  dimension: BreakdownDimension;
  day: number;
  /** "" when the request had no IP or user agent. */
  value: string;
  requests: number;
  denied: number;
  lastAt: number;
};

export type UsageRollups = {
  tokenHours: TokenHourRollup[];
  tokenDays: TokenDayRollup[];
  orgHours: OrgHourRollup[];
  breakdowns: BreakdownRollup[];
};

const newCounters = (): Counters => ({ requests: 0, success: 0, clientErrors: 0, authErrors: 0, rateLimited: 0, serverErrors: 0, cost: 0 });

function count(counters: Counters, event: RollupEvent): void {
  const calls = event.count ?? 1;
  counters.requests += calls;
  counters[outcomeOf(event.status)] += calls;
  counters.cost += event.cost * calls;
}

/**
 * The increments a batch of usage rows adds to each rollup, one entry per rollup row. Entries
 * are sorted by key, so concurrent writers (several PostgreSQL servers) lock rows in the same
 * order and cannot deadlock each other.
 */
export function buildUsageRollups(events: readonly RollupEvent[]): UsageRollups {
  const tokenHours = new Map<string, TokenHourRollup>();
  const tokenDays = new Map<string, TokenDayRollup>();
  const orgHours = new Map<string, OrgHourRollup>();
  const breakdowns = new Map<string, BreakdownRollup>();

  // Consecutive rows mostly share token, hour and client (a batch is one busy token's calls):
  // such a row reuses the previous row's entries instead of building and looking up six keys.
  let previous: {
    event: RollupEvent;
    hour: number;
    tokenHour: TokenHourRollup;
    tokenDay: TokenDayRollup;
    orgHour: OrgHourRollup;
    breakdowns: BreakdownRollup[];
  } | null = null;

  for (const event of events) {
    const hour = truncateToHour(event.at);
    const day = truncateToDay(event.at);
    const sameHour =
      previous !== null && previous.hour === hour && previous.event.tokenId === event.tokenId && previous.event.orgId === event.orgId;

    let tokenHour: TokenHourRollup | undefined;
    let tokenDay: TokenDayRollup | undefined;
    let orgHour: OrgHourRollup | undefined;
    if (sameHour) {
      ({ tokenHour, tokenDay, orgHour } = previous!);
    } else {
      const hourKey = `${event.tokenId}\u0000${hour}`;
      tokenHour = tokenHours.get(hourKey);
      if (!tokenHour) tokenHours.set(hourKey, (tokenHour = { tokenId: event.tokenId, orgId: event.orgId, hour, ...newCounters() }));

      const dayKey = `${event.tokenId}\u0000${day}`;
      tokenDay = tokenDays.get(dayKey);
      if (!tokenDay) tokenDays.set(dayKey, (tokenDay = { tokenId: event.tokenId, orgId: event.orgId, day, ...newCounters() }));

      const orgKey = `${event.orgId}\u0000${hour}`;
      orgHour = orgHours.get(orgKey);
      if (!orgHour) orgHours.set(orgKey, (orgHour = { orgId: event.orgId, hour, ...newCounters() }));
    }
    count(tokenHour, event);
    count(tokenDay, event);
    count(orgHour, event);

    const rowBreakdowns: BreakdownRollup[] = [];
    for (const dimension of BREAKDOWN_DIMENSIONS) {
      const last = sameHour ? previous!.breakdowns[rowBreakdowns.length] : undefined;
      let breakdown: BreakdownRollup | undefined;
      if (last && sameDimensionValue(dimension, previous!.event, event)) {
        breakdown = last;
      } else {
        const value = dimensionValue(dimension, event);
        const key = `${event.tokenId}\u0000${dimension}\u0000${day}\u0000${value}`;
        breakdown = breakdowns.get(key);
        if (!breakdown)
          breakdowns.set(key, (breakdown = { tokenId: event.tokenId, dimension, day, value, requests: 0, denied: 0, lastAt: event.at }));
      }
      const calls = event.count ?? 1;
      breakdown.requests += calls;
      if (isDenied(event.status)) breakdown.denied += calls;
      if (event.at > breakdown.lastAt) breakdown.lastAt = event.at;
      rowBreakdowns.push(breakdown);
    }
    previous = { event, hour, tokenHour, tokenDay, orgHour, breakdowns: rowBreakdowns };
  }

  return {
    tokenHours: sortedValues(tokenHours),
    tokenDays: sortedValues(tokenDays),
    orgHours: sortedValues(orgHours),
    breakdowns: sortedValues(breakdowns),
  };
}

function dimensionValue(dimension: BreakdownDimension, event: RollupEvent): string {
  if (dimension === "route") return routeKey(event.method, event.route);
  return (dimension === "ip" ? event.ip : event.userAgent) ?? "";
}

function sameDimensionValue(dimension: BreakdownDimension, a: RollupEvent, b: RollupEvent): boolean {
  if (dimension === "route") return a.method === b.method && a.route === b.route;
  return dimension === "ip" ? (a.ip ?? "") === (b.ip ?? "") : (a.userAgent ?? "") === (b.userAgent ?? "");
}

function sortedValues<T>(map: Map<string, T>): T[] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);
}

// ---------------------------------------------------------------------------------------
// SQL

type ColumnKind = SqlParamKind;
// "latest": the stored value, or the new one when its row's "lastAt" is as recent or more.
type Column = { name: string; kind: ColumnKind; merge: "key" | "sum" | "max" | "keep" | "latest" };
type TableSpec<Row> = { table: string; columns: readonly Column[]; values: (row: Row) => unknown[] };

const COUNTER_COLUMNS: readonly Column[] = [
  { name: "requests", kind: "int", merge: "sum" },
  ...OUTCOMES.map((name) => ({ name, kind: "int" as const, merge: "sum" as const })),
  { name: "cost", kind: "int", merge: "sum" },
];
const counterValues = (row: Counters) => [row.requests, ...OUTCOMES.map((outcome) => row[outcome]), row.cost];

const TOKEN_HOURS: TableSpec<TokenHourRollup> = {
  table: "UsageHourly",
  columns: [
    { name: "tokenId", kind: "text", merge: "key" },
    { name: "hour", kind: "time", merge: "key" },
    { name: "orgId", kind: "text", merge: "keep" },
    ...COUNTER_COLUMNS,
  ],
  values: (row) => [row.tokenId, row.hour, row.orgId, ...counterValues(row)],
};

const TOKEN_DAYS: TableSpec<TokenDayRollup> = {
  table: "UsageDaily",
  columns: [
    { name: "tokenId", kind: "text", merge: "key" },
    { name: "day", kind: "time", merge: "key" },
    { name: "orgId", kind: "text", merge: "keep" },
    ...COUNTER_COLUMNS,
  ],
  values: (row) => [row.tokenId, row.day, row.orgId, ...counterValues(row)],
};

const ORG_HOURS: TableSpec<OrgHourRollup> = {
  table: "UsageOrgHourly",
  columns: [{ name: "orgId", kind: "text", merge: "key" }, { name: "hour", kind: "time", merge: "key" }, ...COUNTER_COLUMNS],
  values: (row) => [row.orgId, row.hour, ...counterValues(row)],
};

const BREAKDOWNS: TableSpec<BreakdownRollup> = {
  table: "UsageBreakdownDaily",
  columns: [
    { name: "tokenId", kind: "text", merge: "key" },
    { name: "dimension", kind: "text", merge: "key" },
    { name: "day", kind: "time", merge: "key" },
    { name: "value", kind: "text", merge: "key" },
    { name: "requests", kind: "int", merge: "sum" },
    { name: "denied", kind: "int", merge: "sum" },
    { name: "lastAt", kind: "time", merge: "max" },
  ],
  values: (row) => [row.tokenId, row.dimension, row.day, row.value, row.requests, row.denied, row.lastAt],
};

/** A refused-call counter row: the groups of one token, value, reason and minute, summed. */
export type RefusedCallCounter = {
  tokenId: string;
  valueId: string;
  reason: string;
  minute: number;
  orgId: string;
  count: number;
  lastAt: number;
  lastIp: string | null;
  lastUserAgent: string | null;
};

const REFUSED_CALL_COUNTS: TableSpec<RefusedCallCounter> = {
  table: "RefusedCallCount",
  columns: [
    { name: "tokenId", kind: "text", merge: "key" },
    { name: "valueId", kind: "text", merge: "key" },
    { name: "reason", kind: "text", merge: "key" },
    { name: "minute", kind: "time", merge: "key" },
    { name: "orgId", kind: "text", merge: "keep" },
    { name: "count", kind: "int", merge: "sum" },
    { name: "lastIp", kind: "text", merge: "latest" },
    { name: "lastUserAgent", kind: "text", merge: "latest" },
    { name: "lastAt", kind: "time", merge: "max" },
  ],
  values: (row) => [row.tokenId, row.valueId, row.reason, row.minute, row.orgId, row.count, row.lastIp, row.lastUserAgent, row.lastAt],
};

/** Groups of refused calls summed into their counter rows, sorted by key (the lock order, as above). */
export function refusedCallCounters(groups: readonly RefusedCallGroup[]): RefusedCallCounter[] {
  const counters = new Map<string, RefusedCallCounter>();
  for (const group of groups) {
    const key = `${group.tokenId}\u0000${group.valueId}\u0000${group.reason}\u0000${group.minute}`;
    const counter = counters.get(key);
    if (!counter) {
      counters.set(key, {
        tokenId: group.tokenId,
        valueId: group.valueId,
        reason: group.reason,
        minute: group.minute,
        orgId: group.orgId,
        count: group.count,
        lastAt: group.lastAt,
        lastIp: group.ip,
        lastUserAgent: group.userAgent,
      });
      continue;
    }
    counter.count += group.count;
    if (group.lastAt >= counter.lastAt) {
      counter.lastAt = group.lastAt;
      counter.lastIp = group.ip;
      counter.lastUserAgent = group.userAgent;
    }
  }
  return sortedValues(counters);
}

/** A group of refused calls as the rollups count it: `count` calls with the status the API answered. */
export function refusedCallEvent(group: RefusedCallGroup): RollupEvent {
  return {
    tokenId: group.tokenId,
    orgId: group.orgId,
    at: group.lastAt,
    method: group.method,
    route: group.route,
    status: REFUSAL_STATUS[group.reason],
    ip: group.ip,
    userAgent: group.userAgent,
    cost: 0,
    count: group.count,
  };
}

/**
 * Every statement a batch of usage writes besides the UsageEvent rows themselves: the rollups of
 * the rows and of the refused calls together (one sorted set, so concurrent writers lock rollup
 * rows in one order), the refused-call counters, then each token's last use (last: on PostgreSQL
 * it locks token rows that charges wait for, so it holds them only until the commit).
 */
export function usageBatchStatements(
  rows: readonly RollupEvent[],
  refused: readonly RefusedCallGroup[],
  dialect: SqlDialect,
): SqlStatement[] {
  const events = refused.length === 0 ? rows : [...rows, ...refused.map(refusedCallEvent)];
  return [
    ...usageRollupStatements(buildUsageRollups(events), dialect),
    ...upserts(REFUSED_CALL_COUNTS, refusedCallCounters(refused), dialect),
    ...lastUseStatements(rows, dialect),
  ];
}

/** A token's last use: its latest recorded call (a usage row; refused calls counted apart are no use). */
export type LastUse = { tokenId: string; at: number; ip: string | null; userAgent: string | null; route: string };

/** Each token's latest call in a batch (of two at the same time, the later in the batch), sorted by token. */
export function latestUses(rows: readonly RollupEvent[]): LastUse[] {
  const latest = new Map<string, RollupEvent>();
  for (const row of rows) {
    const known = latest.get(row.tokenId);
    if (!known || row.at >= known.at) latest.set(row.tokenId, row);
  }
  return [...latest.values()]
    .sort((a, b) => (a.tokenId < b.tokenId ? -1 : a.tokenId > b.tokenId ? 1 : 0))
    .map((row) => ({ tokenId: row.tokenId, at: row.at, ip: row.ip, userAgent: row.userAgent, route: routeKey(row.method, row.route) }));
}

/**
 * Records each token's last use (ApiToken.lastUsed*) from a batch of usage rows, in the batch's
 * transaction: the dashboard's "last used" always names a call the usage log holds. It only moves
 * forward, so a batch that another server writes late does not undo a newer one. The charge
 * statement leaves these columns alone: it then changes no indexed column (lastUsedAt is indexed),
 * so it writes one page fewer on SQLite and can be a heap-only update on PostgreSQL.
 * PostgreSQL locks the rows first in token order, as the rollups do, so concurrent writers cannot
 * deadlock.
 */
export function lastUseStatements(rows: readonly RollupEvent[], dialect: SqlDialect): SqlStatement[] {
  const columns = [
    { name: "id", kind: "text" },
    { name: "at", kind: "time" },
    { name: "ip", kind: "text" },
    { name: "user_agent", kind: "text" },
    { name: "route", kind: "text" },
  ] as const;
  return valuesChunks(latestUses(rows), dialect, columns, (use) => [use.tokenId, use.at, use.ip, use.userAgent, use.route]).flatMap(
    ({ chunk, source, column: [id, at, ip, userAgent, route], params }) => {
      const update = {
        sql:
          `UPDATE "ApiToken" SET "lastUsedAt" = v.${at}, "lastUsedIp" = v.${ip}, "lastUsedUserAgent" = v.${userAgent}, "lastUsedRoute" = v.${route} ` +
          `FROM ${source} WHERE "ApiToken"."id" = v.${id} AND ("ApiToken"."lastUsedAt" IS NULL OR "ApiToken"."lastUsedAt" <= v.${at})`,
        params,
      };
      if (dialect === "sqlite") return [update];
      const ids = chunk.map((_, index) => placeholder(dialect, index + 1, "text"));
      const lock = {
        sql: `SELECT 1 FROM "ApiToken" WHERE "id" IN (${ids.join(", ")}) ORDER BY "id" FOR UPDATE`,
        params: chunk.map((use) => use.tokenId),
      };
      return [lock, update];
    },
  );
}

// Well under SQLite's 32,766 and PostgreSQL's 65,535 parameters per statement.
const MAX_PARAMS_PER_STATEMENT = 4_000;

/**
 * Rows as `VALUES` lists, in chunks of at most MAX_PARAMS_PER_STATEMENT parameters: for each
 * chunk, the list itself (`VALUES (…), (…)`), the same as a FROM source named `v`, that source's
 * column names by position (SQLite names them column1…N, PostgreSQL takes the columns' names as
 * an alias list) and the parameters, in order.
 */
function valuesChunks<Row>(
  rows: readonly Row[],
  dialect: SqlDialect,
  columns: readonly { name: string; kind: SqlParamKind }[],
  values: (row: Row) => unknown[],
): { chunk: Row[]; list: string; source: string; column: string[]; params: unknown[] }[] {
  const perStatement = Math.floor(MAX_PARAMS_PER_STATEMENT / columns.length);
  const column = columns.map((c, index) => (dialect === "sqlite" ? `column${index + 1}` : c.name));
  const chunks = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      const rowValues = values(row);
      const placeholders = columns.map((c, index) => {
        params.push(c.kind === "time" ? timeParam(dialect, rowValues[index] as number) : rowValues[index]);
        return placeholder(dialect, params.length, c.kind);
      });
      return `(${placeholders.join(", ")})`;
    });
    const list = `VALUES ${tuples.join(", ")}`;
    const alias = dialect === "sqlite" ? "" : `(${column.join(", ")})`;
    chunks.push({ chunk, list, source: `(${list}) AS v${alias}`, column, params });
  }
  return chunks;
}

/**
 * `INSERT … ON CONFLICT DO UPDATE` statements that add the rollups to what is stored. Times are
 * epoch milliseconds: integers on SQLite (Prisma's "unixepoch-ms" format), ISO strings cast to
 * `timestamp(3)` (UTC, no zone, as Prisma stores DateTime) on PostgreSQL.
 */
export function usageRollupStatements(rollups: UsageRollups, dialect: SqlDialect): SqlStatement[] {
  return [
    ...upserts(TOKEN_HOURS, rollups.tokenHours, dialect),
    ...upserts(TOKEN_DAYS, rollups.tokenDays, dialect),
    ...upserts(ORG_HOURS, rollups.orgHours, dialect),
    ...upserts(BREAKDOWNS, rollups.breakdowns, dialect),
    ...recentTotalUpserts(rollups.tokenDays, dialect),
  ];
}

/**
 * Adds each token's calls to its rolling-window total — only calls on days the org's window
 * still counts (on or after UsageRecentWindow.firstDay, read in the same statement), so that
 * moving the window later subtracts exactly what was added. Orgs whose window was never
 * computed are skipped: computing it reads UsageDaily, which has these calls.
 */
function recentTotalUpserts(days: readonly TokenDayRollup[], dialect: SqlDialect): SqlStatement[] {
  const columns = [
    { name: "token_id", kind: "text" },
    { name: "org_id", kind: "text" },
    { name: "day", kind: "time" },
    { name: "requests", kind: "int" },
  ] as const;
  return valuesChunks(days, dialect, columns, (row) => [row.tokenId, row.orgId, row.day, row.requests]).map(
    ({ source, column: [token, org, day, requests], params }) => ({
      sql:
        `INSERT INTO "UsageRecentTotal" ("tokenId", "orgId", "requests") ` +
        `SELECT v.${token}, v.${org}, SUM(v.${requests}) FROM ${source} ` +
        `JOIN "UsageRecentWindow" w ON w."orgId" = v.${org} AND v.${day} >= w."firstDay" ` +
        // WHERE true: SQLite would otherwise read ON CONFLICT as a join constraint.
        `WHERE true GROUP BY v.${token}, v.${org} ORDER BY v.${token} ` +
        `ON CONFLICT ("tokenId") DO UPDATE SET "requests" = "UsageRecentTotal"."requests" + excluded."requests"`,
      params,
    }),
  );
}

function upserts<Row>(spec: TableSpec<Row>, rows: readonly Row[], dialect: SqlDialect): SqlStatement[] {
  return valuesChunks(rows, dialect, spec.columns, spec.values).map(({ list, params }) => ({
    sql: upsertSql(spec, dialect, list),
    params,
  }));
}

/** `values`: the rows' `VALUES (…), (…)` list. */
function upsertSql(spec: { table: string; columns: readonly Column[] }, dialect: SqlDialect, values: string): string {
  const quoted = (name: string) => `"${name}"`;
  const keys = spec.columns.filter((c) => c.merge === "key").map((c) => quoted(c.name));
  const current = (name: string) => `${quoted(spec.table)}.${quoted(name)}`;
  const sets = spec.columns.flatMap((column) => {
    const name = quoted(column.name);
    if (column.merge === "sum") return [`${name} = ${current(column.name)} + excluded.${name}`];
    if (column.merge === "max") return [`${name} = ${greatestSql(dialect, current(column.name), `excluded.${name}`)}`];
    // Every SET expression reads the row as it was, so this compares with the old "lastAt".
    if (column.merge === "latest")
      return [`${name} = CASE WHEN excluded."lastAt" >= ${current("lastAt")} THEN excluded.${name} ELSE ${current(column.name)} END`];
    return [];
  });
  return (
    `INSERT INTO ${quoted(spec.table)} (${spec.columns.map((c) => quoted(c.name)).join(", ")}) ${values} ` +
    `ON CONFLICT (${keys.join(", ")}) DO UPDATE SET ${sets.join(", ")}`
  );
}

// ---------------------------------------------------------------------------------------
// Writers: call inside the transaction that inserts the same rows into UsageEvent.

/** For better-sqlite3: synchronous, to be run inside `db.transaction(...)`. */
export function writeUsageRollupsSqlite(database: BetterSqlite3.Database, events: readonly RollupEvent[]): void {
  for (const statement of usageRollupStatements(buildUsageRollups(events), "sqlite")) {
    database.prepare(statement.sql).run(...statement.params);
  }
}

/** For a pg client inside BEGIN … COMMIT. */
export async function writeUsageRollupsPostgres(
  client: { query(sql: string, params: unknown[]): Promise<unknown> },
  events: readonly RollupEvent[],
): Promise<void> {
  for (const statement of usageRollupStatements(buildUsageRollups(events), "postgresql")) {
    await client.query(statement.sql, statement.params);
  }
}

export type UsageEventRow = Omit<RollupEvent, "at"> & { requestId: string; valueId: string | null; at: Date };

/**
 * Inserts usage rows and their rollups in one Prisma transaction, on either provider (the demo
 * seed and tests; the REST API writes through its own connection with the writers above).
 */
export async function insertUsageWithRollups(db: Db, rows: readonly UsageEventRow[]): Promise<void> {
  if (rows.length === 0) return;
  const events = rows.map((row) => ({ ...row, at: row.at.getTime() }));
  const statements = [...usageRollupStatements(buildUsageRollups(events), dialectOf(db)), ...lastUseStatements(events, dialectOf(db))];
  await db.$transaction(
    async (tx) => {
      await tx.usageEvent.createMany({ data: [...rows] });
      for (const statement of statements) await tx.$executeRawUnsafe(statement.sql, ...statement.params);
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
}

// ---------------------------------------------------------------------------------------
// Rebuilding from UsageEvent

const COUNTER_LIST = `"requests", ${OUTCOMES.map((o) => `"${o}"`).join(", ")}, "cost"`;
// Each row of CALLS stands for "calls" calls.
const COUNTER_SELECT = `SUM("calls"), ${OUTCOMES.map((o) => `SUM(CASE WHEN ${OUTCOME_SQL[o]} THEN "calls" ELSE 0 END)`).join(", ")}, SUM("cost" * "calls")`;
const REFUSAL_STATUS_SQL = `CASE "reason" ${REFUSAL_REASONS.map((reason) => `WHEN '${reason}' THEN ${REFUSAL_STATUS[reason]}`).join(" ")} ELSE 401 END`;
/** Every call: the UsageEvent rows and the refused-call counters (with the status the API answered). */
const CALLS = `(SELECT "tokenId", "orgId", "at", "status", "cost", 1 AS "calls" FROM "UsageEvent"
  UNION ALL SELECT "tokenId", "orgId", "lastAt", ${REFUSAL_STATUS_SQL}, 0, "count" FROM "RefusedCallCount") AS "calls_"`;
const DENIED_SELECT = `SUM(CASE WHEN ${OUTCOME_SQL.authErrors} THEN 1 ELSE 0 END)`;

/** Statements that compute every rollup from UsageEvent (and the refused-call counters), as the writers would have (the migration that added the rollups ran the same). */
export function rebuildRollupStatements(dialect: SqlDialect): string[] {
  const hour = truncateTimeSql(dialect, `"at"`, "hour");
  const day = truncateTimeSql(dialect, `"at"`, "day");
  const dimensionValue: Record<BreakdownDimension, string> = {
    route: `"method" || ' ' || "route"`,
    ip: `COALESCE("ip", '')`,
    userAgent: `COALESCE("userAgent", '')`,
  };
  return [
    `INSERT INTO "UsageHourly" ("tokenId", "hour", "orgId", ${COUNTER_LIST})
     SELECT "tokenId", ${hour}, MIN("orgId"), ${COUNTER_SELECT} FROM ${CALLS} GROUP BY "tokenId", ${hour}`,
    `INSERT INTO "UsageDaily" ("tokenId", "day", "orgId", ${COUNTER_LIST})
     SELECT "tokenId", ${day}, MIN("orgId"), ${COUNTER_SELECT} FROM ${CALLS} GROUP BY "tokenId", ${day}`,
    `INSERT INTO "UsageOrgHourly" ("orgId", "hour", ${COUNTER_LIST})
     SELECT "orgId", ${hour}, ${COUNTER_SELECT} FROM ${CALLS} GROUP BY "orgId", ${hour}`,
    // The counters keep no route and only the last IP and user agent: the top lists of a rebuild
    // count the logged calls only.
    ...BREAKDOWN_DIMENSIONS.map(
      (dimension) => `INSERT INTO "UsageBreakdownDaily" ("tokenId", "dimension", "day", "value", "requests", "denied", "lastAt")
       SELECT "tokenId", '${dimension}', ${day}, ${dimensionValue[dimension]}, COUNT(*), ${DENIED_SELECT}, MAX("at")
       FROM "UsageEvent" GROUP BY "tokenId", ${day}, ${dimensionValue[dimension]}`,
    ),
  ];
}

// Without a UsageRecentWindow row an org's totals are recomputed from UsageDaily when next read.
const ROLLUP_TABLES = [
  "UsageHourly",
  "UsageDaily",
  "UsageOrgHourly",
  "UsageBreakdownDaily",
  "UsageRecentTotal",
  "UsageRecentWindow",
] as const;

/**
 * Recomputes every rollup from the UsageEvent rows, in one transaction: for rows written
 * without rollups (a bulk import, the benchmark's generator) or to repair them. On PostgreSQL
 * new usage waits meanwhile (SHARE lock), so no row is counted twice or missed.
 */
export async function backfillUsageRollups(db: Db): Promise<void> {
  const provider = dialectOf(db);
  const statements = [
    ...(provider === "postgresql" ? [`LOCK TABLE "UsageEvent" IN SHARE MODE`] : []),
    ...ROLLUP_TABLES.map((table) => `DELETE FROM "${table}"`),
    ...rebuildRollupStatements(provider),
  ];
  await db.$transaction(statements.map((sql) => db.$executeRawUnsafe(sql)));
}

// ---------------------------------------------------------------------------------------
// The rolling 30-day window of UsageRecentTotal

export const RECENT_WINDOW_DAYS = 30;

/** The first UTC day of the rolling window that ends today. */
export function recentWindowFirstDay(now: Date): number {
  return truncateToDay(now.getTime()) - (RECENT_WINDOW_DAYS - 1) * DAY_MS;
}

/**
 * Moves an org's rolling window to end today: subtracts the days it left (read from
 * UsageDaily), or computes the totals afresh when they were never computed or are far behind.
 * Runs at most once per org and day (the first overview after midnight UTC pays for it).
 * Writers wait meanwhile (SQLite: the write lock; PostgreSQL: a SHARE lock on UsageDaily), so
 * no call is counted twice or missed.
 */
export async function refreshRecentTotals(db: Db, orgId: string, now = new Date()): Promise<void> {
  const target = recentWindowFirstDay(now);
  const current = await db.usageRecentWindow.findUnique({ where: { orgId }, select: { firstDay: true } });
  if (current?.firstDay.getTime() === target) return;
  const dialect = dialectOf(db);
  const day = (ms: number) => timeParam(dialect, ms);
  const p = (n: number, kind: SqlParamKind) => placeholder(dialect, n, kind);
  await db.$transaction(
    async (tx) => {
      if (dialect === "postgresql") await tx.$executeRawUnsafe(`LOCK TABLE "UsageDaily" IN SHARE MODE`);
      const state = await tx.usageRecentWindow.findUnique({ where: { orgId }, select: { firstDay: true } });
      const from = state?.firstDay.getTime();
      if (from === target) return;
      if (from === undefined || from > target || target - from > RECENT_WINDOW_DAYS * DAY_MS) {
        await tx.$executeRawUnsafe(`DELETE FROM "UsageRecentTotal" WHERE "orgId" = ${p(1, "text")}`, orgId);
        await tx.$executeRawUnsafe(
          `INSERT INTO "UsageRecentTotal" ("tokenId", "orgId", "requests")
           SELECT "tokenId", MIN("orgId"), SUM("requests") FROM "UsageDaily" WHERE "orgId" = ${p(1, "text")} AND "day" >= ${p(2, "time")}
           GROUP BY "tokenId"`,
          orgId,
          day(target),
        );
      } else {
        const leaving = `SELECT d."tokenId" FROM "UsageDaily" d WHERE d."orgId" = ${p(1, "text")} AND d."day" >= ${p(2, "time")} AND d."day" < ${p(3, "time")}`;
        await tx.$executeRawUnsafe(
          `UPDATE "UsageRecentTotal" SET "requests" = "requests" - (
             SELECT COALESCE(SUM(d."requests"), 0) FROM "UsageDaily" d
             WHERE d."tokenId" = "UsageRecentTotal"."tokenId" AND d."day" >= ${p(4, "time")} AND d."day" < ${p(5, "time")}
           ) WHERE "orgId" = ${p(6, "text")} AND "tokenId" IN (${leaving})`,
          ...(dialect === "sqlite"
            ? [day(from), day(target), orgId, orgId, day(from), day(target)]
            : [orgId, day(from), day(target), day(from), day(target), orgId]),
        );
        await tx.$executeRawUnsafe(`DELETE FROM "UsageRecentTotal" WHERE "orgId" = ${p(1, "text")} AND "requests" <= 0`, orgId);
      }
      await tx.usageRecentWindow.upsert({
        where: { orgId },
        create: { orgId, firstDay: new Date(target) },
        update: { firstDay: new Date(target) },
      });
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
}
