-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "allowedNetworks" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "onBehalfOfId" TEXT;

-- CreateTable
CREATE TABLE "RefusedCallCount" (
    "tokenId" TEXT NOT NULL,
    "valueId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "minute" TIMESTAMP(3) NOT NULL,
    "orgId" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "lastAt" TIMESTAMP(3) NOT NULL,
    "lastIp" TEXT,
    "lastUserAgent" TEXT,

    CONSTRAINT "RefusedCallCount_pkey" PRIMARY KEY ("tokenId","valueId","reason","minute")
);

-- CreateIndex
CREATE INDEX "RefusedCallCount_orgId_minute_idx" ON "RefusedCallCount"("orgId", "minute");

-- CreateIndex
CREATE INDEX "RefusedCallCount_valueId_minute_idx" ON "RefusedCallCount"("valueId", "minute");

-- Backfill: a token acts for the admin who created it in the dashboard, or, when a token created
-- it through the API, for the admin that token acted for.
WITH RECURSIVE "chain" ("id", "root") AS (
    SELECT "id", "createdById" FROM "ApiToken" WHERE "createdById" IS NOT NULL
    UNION ALL
    SELECT "t"."id", "c"."root" FROM "ApiToken" "t" JOIN "chain" "c" ON "t"."createdByTokenId" = "c"."id" WHERE "t"."createdById" IS NULL
)
UPDATE "ApiToken" SET "onBehalfOfId" = (SELECT "root" FROM "chain" WHERE "chain"."id" = "ApiToken"."id");
