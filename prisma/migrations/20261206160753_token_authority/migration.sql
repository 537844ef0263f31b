-- CreateTable
CREATE TABLE "RefusedCallCount" (
    "tokenId" TEXT NOT NULL,
    "valueId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "minute" DATETIME NOT NULL,
    "orgId" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "lastAt" DATETIME NOT NULL,
    "lastIp" TEXT,
    "lastUserAgent" TEXT,

    PRIMARY KEY ("tokenId", "valueId", "reason", "minute")
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ApiToken" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "orgId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "scopes" TEXT NOT NULL,
    "visibility" TEXT NOT NULL DEFAULT 'ADMIN_ONLY',
    "status" TEXT NOT NULL DEFAULT 'ACTIVE',
    "prefix" TEXT NOT NULL,
    "lastFour" TEXT NOT NULL,
    "quotaMax" INTEGER NOT NULL,
    "quotaRemaining" INTEGER NOT NULL,
    "quotaWindow" TEXT NOT NULL DEFAULT 'MONTHLY',
    "quotaResetAt" DATETIME NOT NULL,
    "expiresAt" DATETIME,
    "createdById" TEXT,
    "createdByTokenId" TEXT,
    "onBehalfOfId" TEXT,
    "allowedNetworks" TEXT NOT NULL DEFAULT '',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "rotatedAt" DATETIME,
    "disabledAt" DATETIME,
    "revokedAt" DATETIME,
    "lastUsedAt" DATETIME,
    "lastUsedIp" TEXT,
    "lastUsedUserAgent" TEXT,
    "lastUsedRoute" TEXT,
    "leakReportedAt" DATETIME,
    "leakReportSource" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT "ApiToken_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ApiToken_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_ApiToken" ("createdAt", "createdById", "createdByTokenId", "disabledAt", "expiresAt", "id", "lastFour", "lastUsedAt", "lastUsedIp", "lastUsedRoute", "lastUsedUserAgent", "leakReportSource", "leakReportedAt", "name", "orgId", "prefix", "quotaMax", "quotaRemaining", "quotaResetAt", "quotaWindow", "revokedAt", "rotatedAt", "scopes", "status", "updatedAt", "version", "visibility") SELECT "createdAt", "createdById", "createdByTokenId", "disabledAt", "expiresAt", "id", "lastFour", "lastUsedAt", "lastUsedIp", "lastUsedRoute", "lastUsedUserAgent", "leakReportSource", "leakReportedAt", "name", "orgId", "prefix", "quotaMax", "quotaRemaining", "quotaResetAt", "quotaWindow", "revokedAt", "rotatedAt", "scopes", "status", "updatedAt", "version", "visibility" FROM "ApiToken";
DROP TABLE "ApiToken";
ALTER TABLE "new_ApiToken" RENAME TO "ApiToken";
CREATE INDEX "ApiToken_orgId_status_createdAt_idx" ON "ApiToken"("orgId", "status", "createdAt");
CREATE INDEX "ApiToken_orgId_name_idx" ON "ApiToken"("orgId", "name");
CREATE INDEX "ApiToken_orgId_lastUsedAt_idx" ON "ApiToken"("orgId", "lastUsedAt");
CREATE INDEX "ApiToken_orgId_expiresAt_idx" ON "ApiToken"("orgId", "expiresAt");
CREATE INDEX "ApiToken_orgId_leakReportedAt_idx" ON "ApiToken"("orgId", "leakReportedAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

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
