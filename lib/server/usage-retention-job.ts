// Usage retention runs in every server process, one at a time across all of them: on PostgreSQL
// under an advisory lock (another server pruning right now is left to it), in one process by a
// flag. The deletes themselves are small batches (lib/db/usage-retention.ts).
import type { UsageRetention } from "../config/env";
import { withAdvisoryLock, type LockOutcome } from "../db/advisory-lock";
import type { Db } from "../db/client";
import type { DatabaseTarget } from "../db/database-url";
import { pruneUsage, type PruneOptions, type PruneResult } from "../db/usage-retention";

export const USAGE_RETENTION_LOCK = "usage-retention";

const PRUNE_INTERVAL_MS = 60 * 60_000;

const running = new WeakSet<Db>();

/** One pruning pass, unless one is already running in this process or (PostgreSQL) any other. */
export async function runUsageRetention(target: DatabaseTarget, db: Db, options: PruneOptions): Promise<LockOutcome<PruneResult>> {
  if (running.has(db)) return { acquired: false };
  running.add(db);
  try {
    return await withAdvisoryLock(target, USAGE_RETENTION_LOCK, { wait: false }, () => pruneUsage(db, options));
  } finally {
    running.delete(db);
  }
}

/** Prunes now and then every hour; returns a function that stops it. */
export function startUsageRetention(
  target: DatabaseTarget,
  db: Db,
  retention: UsageRetention,
  log: (line: string) => void,
  intervalMs = PRUNE_INTERVAL_MS,
): () => void {
  const prune = async () => {
    try {
      const outcome = await runUsageRetention(target, db, retention);
      if (!outcome.acquired) return;
      const { usageEvents, refusedCallCounts, rollups, partitions } = outcome.value;
      const changed = usageEvents + refusedCallCounts + rollups + partitions.created.length + partitions.dropped.length > 0;
      if (changed) {
        log(
          `usage retention: deleted ${usageEvents} request(s) older than ${retention.usageDays} days, ${refusedCallCounts} refused-call counter(s), ` +
            `${rollups} rollup row(s) older than ${retention.rollupDays} days` +
            (partitions.created.length ? `; created partitions ${partitions.created.join(", ")}` : "") +
            (partitions.dropped.length ? `; dropped partitions ${partitions.dropped.join(", ")}` : ""),
        );
      }
    } catch (error) {
      log(`usage retention failed (tried again in an hour): ${String(error)}`);
    }
  };
  const timer = setInterval(() => void prune(), intervalMs);
  timer.unref();
  void prune();
  return () => clearInterval(timer);
}
