// `npm run bench:retention`: the database size and the token page's usage queries over many
// simulated days of traffic, with the retention job pruning once a simulated day.
//
// Calls are written through the REST API's real recording path (SqliteApiStore.insertUsage: rows
// and their rollups in one transaction, in batches as the API's writer sends them) with an
// accelerated clock; after each day the retention job runs (pruneUsage, the job's own code) with
// KEYWARD_USAGE_RETENTION_DAYS. Then it measures the database's size (pages in use and the file)
// and the p95 of what the token page runs: getTokenUsage (charts, top lists, scopes used) and the
// request log's first page for the busiest token.
//
//   npm run bench:retention -- --calls-per-day 3000 --days 365 --report-every 30            (SQLite)
//   npm run bench:retention -- --postgres --calls-per-day 3000 --days 365 --report-every 30 (PostgreSQL)
//
// --postgres starts a temporary PostgreSQL (lib/db/temp-postgres.ts) and writes through
// PostgresApiStore.insertUsage; the retention job there also creates and drops monthly partitions.
// Each call's client comes from a fixed variety (20 addresses, 7 user agents, 4 routes): the
// rollups hold one row per token and hour or day and per distinct value, so they reach the size a
// far busier year would give them; bench/README.md says what that does and does not simulate.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";

import type { ApiStore, UsageRow } from "../lib/api/store";
import { SqliteApiStore } from "../lib/api/store-sqlite";
import type { DatabaseTarget } from "../lib/db/database-url";
import { applyMigrations } from "../lib/db/migrate";
import type { TempPostgres } from "../lib/db/temp-postgres";

const { values: args } = parseArgs({
  options: {
    "calls-per-day": { type: "string", default: "100000" },
    days: { type: "string", default: "60" },
    "retention-days": { type: "string", default: "30" },
    tokens: { type: "string", default: "50" },
    samples: { type: "string", default: "30" },
    "report-every": { type: "string", default: "1" },
    postgres: { type: "boolean", default: false },
  },
});
const CALLS_PER_DAY = Number(args["calls-per-day"]);
const DAYS = Number(args.days);
const RETENTION_DAYS = Number(args["retention-days"]);
const TOKENS = Number(args.tokens);
const SAMPLES = Number(args.samples);
const REPORT_EVERY = Number(args["report-every"]);
const POSTGRES = args.postgres;
const ADDRESSES = 20;
const BATCH = 1_000;
const DAY_MS = 86_400_000;
const START = Date.UTC(2031, 0, 1);
const ROUTES = [
  ["GET", "/v0/quota"],
  ["GET", "/v0/orgs/{org}/repos"],
  ["GET", "/v0/report/list"],
  ["PUT", "/v0/report/upload"],
] as const;
const STATUSES = [200, 200, 200, 200, 200, 200, 200, 201, 404, 429];

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "keyward-bench-retention-"));
  const file = join(dir, "keyward.db");
  let cluster: TempPostgres | null = null;
  let target: DatabaseTarget = { provider: "sqlite", file, url: `file:${file}` };
  if (POSTGRES) {
    const { startTempPostgres } = await import("../lib/db/temp-postgres");
    cluster = await startTempPostgres();
    if (!cluster) throw new Error("no PostgreSQL server binaries found (install postgresql, or set PG_BIN)");
    target = { provider: "postgresql", url: cluster.url };
  }
  process.env.DATABASE_URL = target.url;
  try {
    await applyMigrations(target);
    const [{ db }, { pruneUsage }, { getTokenUsage, listTokenRequests }, { requestLogParamsSchema }, { PostgresApiStore }] =
      await Promise.all([
        import("../lib/db/client"),
        import("../lib/db/usage-retention"),
        import("../lib/db/queries/usage"),
        import("../lib/validations/usage"),
        import("../lib/api/store-postgres"),
      ]);
    const store: ApiStore = target.provider === "postgresql" ? new PostgresApiStore(target.url) : new SqliteApiStore(file);
    const sizes = target.provider === "postgresql" ? postgresSizes(db) : sqliteSizes(file);
    const orgId = "bench-org";
    const tokenIds = Array.from({ length: TOKENS }, (_, i) => `bench-token-${i}`);
    // The first token makes a fifth of the calls: the page measured is a busy token's.
    const tokenOf = (n: number) => (n % 5 === 0 ? tokenIds[0] : tokenIds[1 + (n % (TOKENS - 1))]);
    console.log(
      `${CALLS_PER_DAY.toLocaleString("en")} calls/day for ${DAYS} simulated days, ${TOKENS} tokens, retention ${RETENTION_DAYS} days (rollups 400), ${target.provider === "postgresql" ? "PostgreSQL" : "SQLite"}`,
    );
    console.log(
      "day  rows kept   DB (MB)  raw events (MB)  rollup rows  write s  prune s  rows pruned  partitions dropped  p95 token usage (ms)  p95 request log (ms)",
    );
    // As a server does at start: this month's partitions (PostgreSQL) exist before the first call.
    await pruneUsage(db, { now: new Date(START), usageDays: RETENTION_DAYS, rollupDays: 400 });
    let writeSeconds = 0;
    let pruneSeconds = 0;
    let prunedRows = 0;
    let droppedPartitions = 0;
    let sequence = 0;
    for (let day = 0; day < DAYS; day += 1) {
      const dayStart = START + day * DAY_MS;
      const writeStart = performance.now();
      for (let done = 0; done < CALLS_PER_DAY; done += BATCH) {
        const rows: UsageRow[] = [];
        for (let i = done; i < Math.min(CALLS_PER_DAY, done + BATCH); i += 1) {
          sequence += 1;
          const [method, route] = ROUTES[sequence % ROUTES.length];
          rows.push({
            requestId: `bench-${sequence.toString(36).padStart(10, "0")}`,
            tokenId: tokenOf(sequence),
            valueId: null,
            orgId,
            at: dayStart + Math.floor((i / CALLS_PER_DAY) * DAY_MS),
            method,
            route,
            status: STATUSES[sequence % STATUSES.length],
            ip: `198.51.100.${Math.floor(sequence / 3) % ADDRESSES}`,
            userAgent: `ci/${sequence % 7}`,
            cost: 1,
          });
        }
        await store.insertUsage(rows);
      }
      writeSeconds += (performance.now() - writeStart) / 1000;
      const now = new Date(dayStart + DAY_MS - 1);
      const pruneStart = performance.now();
      const pruned = await pruneUsage(db, { now, usageDays: RETENTION_DAYS, rollupDays: 400 });
      pruneSeconds += (performance.now() - pruneStart) / 1000;
      prunedRows += pruned.usageEvents;
      droppedPartitions += pruned.partitions.dropped.length;
      if ((day + 1) % REPORT_EVERY !== 0 && day !== DAYS - 1) continue;

      const token = {
        id: tokenIds[0],
        orgId,
        scopes: ["report:list" as const],
        createdAt: new Date(START),
        quotaMax: 1e9,
        quotaRemaining: 1e9,
        quotaWindow: "MONTHLY" as const,
        quotaResetAt: now,
      };
      const usageTimes: number[] = [];
      const logTimes: number[] = [];
      const firstPage = requestLogParamsSchema.parse({});
      for (let i = 0; i < SAMPLES; i += 1) {
        let t = performance.now();
        await getTokenUsage(token, now);
        usageTimes.push(performance.now() - t);
        t = performance.now();
        await listTokenRequests(tokenIds[0], firstPage);
        logTimes.push(performance.now() - t);
      }
      const size = await sizes();
      console.log(
        [
          String(day + 1).padStart(3),
          size.rawRows.toLocaleString("en").padStart(10),
          (size.databaseBytes / 1e6).toFixed(0).padStart(8),
          (size.rawBytes / 1e6).toFixed(0).padStart(16),
          size.rollupRows.toLocaleString("en").padStart(12),
          writeSeconds.toFixed(1).padStart(8),
          pruneSeconds.toFixed(2).padStart(8),
          prunedRows.toLocaleString("en").padStart(12),
          String(droppedPartitions).padStart(19),
          p95(usageTimes).toFixed(1).padStart(21),
          p95(logTimes).toFixed(1).padStart(21),
        ].join(" "),
      );
      writeSeconds = pruneSeconds = prunedRows = droppedPartitions = 0;
    }
    await store.close();
    await db.$disconnect();
  } finally {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Sizes = { rawRows: number; rawBytes: number; rollupRows: number; databaseBytes: number };
const ROLLUP_TABLES = ["UsageHourly", "UsageDaily", "UsageOrgHourly", "UsageBreakdownDaily", "UsageRecentTotal"];

/** SQLite: pages in use (file minus free pages), and the raw events' share from dbstat when compiled in. */
function sqliteSizes(file: string): () => Promise<Sizes> {
  const pages = new Database(file, { readonly: true });
  const count = (table: string) => (pages.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n;
  return async () => {
    const pageSize = pages.pragma("page_size", { simple: true }) as number;
    const inUse =
      ((pages.pragma("page_count", { simple: true }) as number) - (pages.pragma("freelist_count", { simple: true }) as number)) * pageSize;
    let rawBytes = Number.NaN;
    try {
      rawBytes = (
        pages
          .prepare(
            `SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name = 'UsageEvent' OR name IN (SELECT name FROM sqlite_master WHERE tbl_name = 'UsageEvent')`,
          )
          .get() as { bytes: number }
      ).bytes;
    } catch {
      // dbstat is not compiled into this SQLite.
    }
    return {
      rawRows: count("UsageEvent"),
      rawBytes,
      rollupRows: ROLLUP_TABLES.reduce((sum, table) => sum + count(table), 0),
      databaseBytes: inUse,
    };
  };
}

/** PostgreSQL: the whole database, and the events table with every partition and index. */
function postgresSizes(db: import("../lib/db/client").Db): () => Promise<Sizes> {
  const one = async (sql: string) => Number((await db.$queryRawUnsafe<{ n: bigint | number }[]>(sql))[0]?.n ?? 0);
  return async () => ({
    rawRows: await one(`SELECT COUNT(*) AS n FROM "UsageEvent"`),
    rawBytes: await one(
      `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint AS n FROM pg_class c
       WHERE c.oid = '"UsageEvent"'::regclass OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = '"UsageEvent"'::regclass)`,
    ),
    rollupRows: (await Promise.all(ROLLUP_TABLES.map((table) => one(`SELECT COUNT(*) AS n FROM "${table}"`)))).reduce((a, b) => a + b, 0),
    databaseBytes: await one(`SELECT pg_database_size(current_database())::bigint AS n`),
  });
}

function p95(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
