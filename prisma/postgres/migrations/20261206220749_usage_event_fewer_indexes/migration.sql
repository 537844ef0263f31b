-- Two indexes fewer for the usage writer to maintain on every API call: readers and the retention
-- job now reach UsageEvent through the token. The unique ("requestId", "at") index stays here, unlike
-- on SQLite: lib/db/migrate.ts (POSTGRES_PARTITIONING_DIFFERENCES) says why.

-- DropIndex
DROP INDEX "UsageEvent_orgId_at_idx";

-- DropIndex
DROP INDEX "UsageEvent_valueId_at_idx";
