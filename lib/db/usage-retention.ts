import type { UsageRetention } from "../config/env";
import type { Db } from "./client";
import { dialectOf, placeholder, timeParam, type SqlDialect } from "./dialect";
import { maintainUsagePartitions, type PartitionChanges } from "./usage-partitions";
import { DAY_MS, truncateToDay } from "./usage-rollups";

// Usage that stays bounded: raw events (UsageEvent, and the refused-call counters that stand for
// rows) are kept `usageDays`, the rollups the charts, top lists and scopes-used read are kept
// `rollupDays`. Deletes go in small batches, each its own short statement (on SQLite its own
// short write transaction), with a pause between them, so the API's usage writer is never held
// up for long. Every delete seeks through an index that starts with the org or the token.
//
// No "server-only" and no global client: the server's scheduler (lib/server/usage-retention-job.ts),
// the benchmark and the tests pass the client.

export const PRUNE_BATCH_ROWS = 5_000;

export type PruneOptions = UsageRetention & {
  now?: Date;
  batchRows?: number;
  /** Between two batches, so queued writes go first. */
  pauseMs?: number;
};

export type PruneResult = {
  usageEvents: number;
  refusedCallCounts: number;
  rateLimitBuckets: number;
  rollups: number;
  /** Delete statements run (each at most batchRows rows). */
  batches: number;
  partitions: PartitionChanges;
};

/** The first instant still kept, for a retention of `days` at `now` (whole UTC days, as the rollups count). */
export function retentionCutoff(now: Date, days: number): Date {
  return new Date(truncateToDay(now.getTime()) - (days - 1) * DAY_MS);
}

/** Deletes usage older than the retention; safe to run concurrently with writers and with itself. */
export async function pruneUsage(db: Db, options: PruneOptions): Promise<PruneResult> {
  const now = options.now ?? new Date();
  const dialect = dialectOf(db);
  const usageCutoff = retentionCutoff(now, options.usageDays);
  const rollupCutoff = retentionCutoff(now, options.rollupDays);
  const batches = new BatchDeleter(db, dialect, options.batchRows ?? PRUNE_BATCH_ROWS, options.pauseMs ?? 10);

  // PostgreSQL: whole months past the retention go as partitions; what is left below the cutoff
  // (the month that straddles it, the default partition) is deleted like on SQLite.
  const partitions =
    dialect === "postgresql" ? await maintainUsagePartitions(db, { now, cutoff: usageCutoff }) : { created: [], dropped: [] };

  let usageEvents = 0;
  let refusedCallCounts = 0;
  // Per token: (tokenId, at) is UsageEvent's only index for time (the writer keeps no per-org one).
  for (const tokenId of await tokensWithUsageBefore(db, dialect, usageCutoff)) {
    usageEvents += await batches.run("UsageEvent", ["id", "at"], `"tokenId" = ? AND "at" < ?`, [tokenId, usageCutoff]);
  }
  for (const orgId of await distinctOrgIds(db, "RefusedCallCount")) {
    refusedCallCounts += await batches.run("RefusedCallCount", ["tokenId", "valueId", "reason", "minute"], `"orgId" = ? AND "minute" < ?`, [
      orgId,
      usageCutoff,
    ]);
  }
  const rateLimitBuckets = await batches.run("RateLimitBucket", ["bucket"], `"expiresAt" <= ?`, [now]);

  let rollups = 0;
  for (const orgId of await distinctOrgIds(db, "UsageDaily")) {
    // The tokens with old daily rows are the ones with old hourly and breakdown rows (the rollups
    // are written together); those go first so an interrupted run finds them again next time.
    const tokens = await oldRollupTokens(db, dialect, orgId, rollupCutoff);
    for (const tokenId of tokens) {
      rollups += await batches.run("UsageHourly", ["tokenId", "hour"], `"tokenId" = ? AND "hour" < ?`, [tokenId, rollupCutoff]);
      rollups += await batches.run("UsageBreakdownDaily", ["tokenId", "dimension", "day", "value"], `"tokenId" = ? AND "day" < ?`, [
        tokenId,
        rollupCutoff,
      ]);
    }
    rollups += await batches.run("UsageDaily", ["tokenId", "day"], `"orgId" = ? AND "day" < ?`, [orgId, rollupCutoff]);
  }
  for (const orgId of await distinctOrgIds(db, "UsageOrgHourly")) {
    rollups += await batches.run("UsageOrgHourly", ["orgId", "hour"], `"orgId" = ? AND "hour" < ?`, [orgId, rollupCutoff]);
  }

  return { usageEvents, refusedCallCounts, rateLimitBuckets, rollups, batches: batches.count, partitions };
}

class BatchDeleter {
  count = 0;
  constructor(
    private readonly db: Db,
    private readonly dialect: SqlDialect,
    private readonly batchRows: number,
    private readonly pauseMs: number,
  ) {}

  /**
   * Deletes the rows matching `where` (`?` placeholders; Dates are times), `batchRows` at a time
   * by their key, until fewer than a batch are left. Another pruner deleting the same rows at the
   * same time only makes a batch smaller.
   */
  async run(table: string, key: readonly string[], where: string, values: readonly (string | Date)[]): Promise<number> {
    const keyList = key.map((column) => `"${column}"`).join(", ");
    const keyExpr = key.length === 1 ? keyList : `(${keyList})`;
    let deleted = 0;
    for (;;) {
      let n = 0;
      const inner = where.replace(/\?/g, () => {
        const value = values[n];
        n += 1;
        return placeholder(this.dialect, n, value instanceof Date ? "time" : "text");
      });
      const params = values.map((value) => (value instanceof Date ? timeParam(this.dialect, value.getTime()) : value));
      const rows = await this.db.$executeRawUnsafe(
        `DELETE FROM "${table}" WHERE ${keyExpr} IN (SELECT ${keyList} FROM "${table}" WHERE ${inner} LIMIT ${this.batchRows})`,
        ...params,
      );
      this.count += 1;
      deleted += rows;
      if (rows < this.batchRows) return deleted;
      await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    }
  }
}

/**
 * The distinct orgs in a table whose index starts with "orgId", by skipping through that index (a
 * seek per org, not a scan) — including orgs deleted since, whose rows age out too.
 */
async function distinctOrgIds(db: Db, table: string): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ orgId: string }[]>(
    `WITH RECURSIVE orgs("orgId") AS (
       SELECT MIN("orgId") FROM "${table}"
       UNION ALL
       SELECT (SELECT MIN("orgId") FROM "${table}" WHERE "orgId" > orgs."orgId") FROM orgs WHERE orgs."orgId" IS NOT NULL
     )
     SELECT "orgId" FROM orgs WHERE "orgId" IS NOT NULL`,
  );
  return rows.map((row) => row.orgId);
}

/**
 * The tokens with UsageEvent rows before `cutoff`, by skipping through the (tokenId, at) index: a
 * seek per token to find the next one and one to look at its oldest row, never a scan of the rows
 * (so a run that finds nothing old reads a few pages per token). Deleted tokens' rows are found too.
 */
async function tokensWithUsageBefore(db: Db, dialect: SqlDialect, cutoff: Date): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ tokenId: string }[]>(
    `WITH RECURSIVE tokens("tokenId") AS (
       SELECT MIN("tokenId") FROM "UsageEvent"
       UNION ALL
       SELECT (SELECT MIN("tokenId") FROM "UsageEvent" WHERE "tokenId" > tokens."tokenId") FROM tokens WHERE tokens."tokenId" IS NOT NULL
     )
     SELECT "tokenId" FROM tokens
     WHERE "tokenId" IS NOT NULL
       AND EXISTS (SELECT 1 FROM "UsageEvent" u WHERE u."tokenId" = tokens."tokenId" AND u."at" < ${placeholder(dialect, 1, "time")})`,
    timeParam(dialect, cutoff.getTime()),
  );
  return rows.map((row) => row.tokenId);
}

async function oldRollupTokens(db: Db, dialect: SqlDialect, orgId: string, cutoff: Date): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ tokenId: string }[]>(
    `SELECT DISTINCT "tokenId" FROM "UsageDaily" WHERE "orgId" = ${placeholder(dialect, 1, "text")} AND "day" < ${placeholder(dialect, 2, "time")}`,
    orgId,
    timeParam(dialect, cutoff.getTime()),
  );
  return rows.map((row) => row.tokenId);
}
