-- UsageEvent becomes a table partitioned by month of "at", so the retention job
-- (lib/db/usage-retention.ts, lib/db/usage-partitions.ts) drops a month of old rows as a
-- partition instead of deleting them row by row. Hand-written: Prisma does not model
-- partitioning, and the schema-drift check (lib/db/migrate.ts) knows about this one difference.
--
-- A partitioned table's primary key and unique constraints must include the partition key, so
-- here the primary key is ("id", "at") and the unique constraint ("requestId", "at"). The schema
-- still says "id" and "requestId" are each unique: nothing writes with ON CONFLICT on them, "id"
-- comes from one sequence, and request ids are generated unique (lib/api/request-id.ts).
--
-- Existing rows go to the default partition; the job creates this month's partition and the
-- next ones (moving their rows out of the default) on its first run, and older rows leave the
-- default partition in batches as they pass the retention.

ALTER TABLE "UsageEvent" RENAME TO "UsageEvent_unpartitioned";
ALTER TABLE "UsageEvent_unpartitioned" RENAME CONSTRAINT "UsageEvent_pkey" TO "UsageEvent_unpartitioned_pkey";
DROP INDEX "UsageEvent_requestId_key";
DROP INDEX "UsageEvent_tokenId_at_idx";
DROP INDEX "UsageEvent_orgId_at_idx";
DROP INDEX "UsageEvent_valueId_at_idx";
DROP INDEX "UsageEvent_tokenId_status_at_idx";
DROP INDEX "UsageEvent_tokenId_route_at_idx";
DROP INDEX "UsageEvent_tokenId_ip_at_idx";

CREATE TABLE "UsageEvent" (
    "id" INTEGER NOT NULL DEFAULT nextval('"UsageEvent_id_seq"'),
    "requestId" TEXT NOT NULL,
    "tokenId" TEXT NOT NULL,
    "valueId" TEXT,
    "orgId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "method" TEXT NOT NULL,
    "route" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "ip" TEXT,
    "userAgent" TEXT,
    "cost" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "UsageEvent_pkey" PRIMARY KEY ("id", "at")
) PARTITION BY RANGE ("at");

CREATE TABLE "UsageEvent_default" PARTITION OF "UsageEvent" DEFAULT;

CREATE UNIQUE INDEX "UsageEvent_requestId_at_key" ON "UsageEvent"("requestId", "at");
CREATE INDEX "UsageEvent_tokenId_at_idx" ON "UsageEvent"("tokenId", "at");
CREATE INDEX "UsageEvent_orgId_at_idx" ON "UsageEvent"("orgId", "at");
CREATE INDEX "UsageEvent_valueId_at_idx" ON "UsageEvent"("valueId", "at");
CREATE INDEX "UsageEvent_tokenId_status_at_idx" ON "UsageEvent"("tokenId", "status", "at");
CREATE INDEX "UsageEvent_tokenId_route_at_idx" ON "UsageEvent"("tokenId", "route", "at");
CREATE INDEX "UsageEvent_tokenId_ip_at_idx" ON "UsageEvent"("tokenId", "ip", "at");

INSERT INTO "UsageEvent" SELECT * FROM "UsageEvent_unpartitioned";
ALTER SEQUENCE "UsageEvent_id_seq" OWNED BY "UsageEvent"."id";
DROP TABLE "UsageEvent_unpartitioned";
