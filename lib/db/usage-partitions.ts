import type { Db } from "./client";

// PostgreSQL only: UsageEvent is partitioned by month of "at" (migration
// 20261206171546_usage_event_partitions, hand-written: Prisma does not model partitioning). Rows
// of a month without a partition (before the first run of the job, or a clock far off) land in
// the default partition. The retention job creates the coming months ahead and drops months that
// are wholly past the retention: a catalog change instead of deleting a month of rows.

export const PARTITIONED_TABLE = "UsageEvent";
export const DEFAULT_PARTITION = "UsageEvent_default";
/** Partitions exist for the current month and this many after it. */
export const MONTHS_AHEAD = 2;
// Attaching and detaching take a lock on the table (detaching: one that holds up inserts), so
// they give up quickly rather than queue the API's writes behind them; the next run tries again.
const PARTITION_LOCK_TIMEOUT = "1s";

export type PartitionChanges = { created: string[]; dropped: string[] };

/** "UsageEvent_p202601" for the month that starts at `monthStart` (UTC). */
export function partitionName(monthStart: Date): string {
  return `${PARTITIONED_TABLE}_p${monthStart.getUTCFullYear()}${String(monthStart.getUTCMonth() + 1).padStart(2, "0")}`;
}

const monthStart = (year: number, month: number) => new Date(Date.UTC(year, month, 1));
const PARTITION_NAME = /^UsageEvent_p(\d{4})(\d{2})$/;
const pgTime = (date: Date) => `'${date.toISOString().replace("T", " ").replace("Z", "")}'`;

export async function isUsagePartitioned(db: Db): Promise<boolean> {
  const rows = await db.$queryRawUnsafe<{ kind: string }[]>(
    `SELECT relkind::text AS kind FROM pg_class WHERE oid = to_regclass('"${PARTITIONED_TABLE}"')`,
  );
  return rows[0]?.kind === "p";
}

/** The monthly partitions that exist, by name. */
export async function usagePartitions(db: Db): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ name: string }[]>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = to_regclass('"${PARTITIONED_TABLE}"') ORDER BY c.relname`,
  );
  return rows.map((row) => row.name).filter((name) => PARTITION_NAME.test(name));
}

/**
 * Creates the partitions of this month and the next MONTHS_AHEAD, and drops those that end at or
 * before `cutoff`. A month that cannot be changed now (a lock not granted in time) is left for the
 * next run. Nothing happens when the table is not partitioned.
 */
export async function maintainUsagePartitions(db: Db, options: { now: Date; cutoff: Date }): Promise<PartitionChanges> {
  const changes: PartitionChanges = { created: [], dropped: [] };
  if (!(await isUsagePartitioned(db))) return changes;
  const existing = new Set(await usagePartitions(db));
  const year = options.now.getUTCFullYear();
  const month = options.now.getUTCMonth();
  for (let ahead = 0; ahead <= MONTHS_AHEAD; ahead += 1) {
    const start = monthStart(year, month + ahead);
    const name = partitionName(start);
    if (existing.has(name)) continue;
    if (await createPartition(db, name, start, monthStart(year, month + ahead + 1))) changes.created.push(name);
  }
  for (const name of existing) {
    const [, y, m] = PARTITION_NAME.exec(name)!;
    // "…_p202601" ends where February begins: month index 1 is the 1-based "01" plus one.
    const end = monthStart(Number(y), Number(m));
    if (end.getTime() > options.cutoff.getTime()) continue;
    if (await dropPartition(db, name)) changes.dropped.push(name);
  }
  return changes;
}

/**
 * Rows of the month already in the default partition move into the new one in the same
 * transaction (attaching checks the default holds none). The default partition is locked
 * meanwhile; only rows of months without a partition are written there.
 */
async function createPartition(db: Db, name: string, start: Date, end: Date): Promise<boolean> {
  const range = `"at" >= ${pgTime(start)} AND "at" < ${pgTime(end)}`;
  try {
    await db.$transaction([
      db.$executeRawUnsafe(`SET LOCAL lock_timeout = '${PARTITION_LOCK_TIMEOUT}'`),
      db.$executeRawUnsafe(`LOCK TABLE "${DEFAULT_PARTITION}" IN ACCESS EXCLUSIVE MODE`),
      db.$executeRawUnsafe(`CREATE TABLE "${name}" (LIKE "${PARTITIONED_TABLE}" INCLUDING DEFAULTS)`),
      db.$executeRawUnsafe(
        `WITH moved AS (DELETE FROM "${DEFAULT_PARTITION}" WHERE ${range} RETURNING *) INSERT INTO "${name}" SELECT * FROM moved`,
      ),
      db.$executeRawUnsafe(
        `ALTER TABLE "${PARTITIONED_TABLE}" ATTACH PARTITION "${name}" FOR VALUES FROM (${pgTime(start)}) TO (${pgTime(end)})`,
      ),
    ]);
    return true;
  } catch (error) {
    // Another server created it first, or the lock was not granted in time.
    if (isLockTimeout(error) || isAlreadyExists(error)) return false;
    throw error;
  }
}

async function dropPartition(db: Db, name: string): Promise<boolean> {
  try {
    await db.$transaction([
      db.$executeRawUnsafe(`SET LOCAL lock_timeout = '${PARTITION_LOCK_TIMEOUT}'`),
      db.$executeRawUnsafe(`ALTER TABLE "${PARTITIONED_TABLE}" DETACH PARTITION "${name}"`),
      db.$executeRawUnsafe(`DROP TABLE "${name}"`),
    ]);
    return true;
  } catch (error) {
    if (isLockTimeout(error) || isMissing(error)) return false;
    throw error;
  }
}

const messageOf = (error: unknown) => String((error as Error)?.message ?? error);
const isLockTimeout = (error: unknown) => /55P03|lock timeout/i.test(messageOf(error));
const isAlreadyExists = (error: unknown) => /42P07|already exists/i.test(messageOf(error));
const isMissing = (error: unknown) => /42P01|does not exist|is not a partition/i.test(messageOf(error));
