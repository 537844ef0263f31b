-- CreateTable
CREATE TABLE "Service" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "orgId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "upstreamUrl" TEXT NOT NULL,
    "defaultScope" TEXT,
    "defaultCost" INTEGER NOT NULL DEFAULT 1,
    "keyHash" TEXT NOT NULL,
    "keyLastFour" TEXT NOT NULL,
    "keyRotatedAt" DATETIME,
    "disabledAt" DATETIME,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT "Service_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ServiceScope" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "serviceId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "ServiceScope_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "Service" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ServiceRoute" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "serviceId" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "pathPattern" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "cost" INTEGER NOT NULL DEFAULT 1,
    "position" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "ServiceRoute_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "Service" ("id") ON DELETE CASCADE ON UPDATE CASCADE
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
    "serviceScopes" TEXT NOT NULL DEFAULT '',
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
INSERT INTO "new_ApiToken" ("allowedNetworks", "createdAt", "createdById", "createdByTokenId", "disabledAt", "expiresAt", "id", "lastFour", "lastUsedAt", "lastUsedIp", "lastUsedRoute", "lastUsedUserAgent", "leakReportSource", "leakReportedAt", "name", "onBehalfOfId", "orgId", "prefix", "quotaMax", "quotaRemaining", "quotaResetAt", "quotaWindow", "revokedAt", "rotatedAt", "scopes", "status", "updatedAt", "version", "visibility") SELECT "allowedNetworks", "createdAt", "createdById", "createdByTokenId", "disabledAt", "expiresAt", "id", "lastFour", "lastUsedAt", "lastUsedIp", "lastUsedRoute", "lastUsedUserAgent", "leakReportSource", "leakReportedAt", "name", "onBehalfOfId", "orgId", "prefix", "quotaMax", "quotaRemaining", "quotaResetAt", "quotaWindow", "revokedAt", "rotatedAt", "scopes", "status", "updatedAt", "version", "visibility" FROM "ApiToken";
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
CREATE UNIQUE INDEX "Service_keyHash_key" ON "Service"("keyHash");

-- CreateIndex
CREATE INDEX "Service_orgId_createdAt_idx" ON "Service"("orgId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Service_orgId_slug_key" ON "Service"("orgId", "slug");

-- CreateIndex
CREATE UNIQUE INDEX "ServiceScope_serviceId_name_key" ON "ServiceScope"("serviceId", "name");

-- CreateIndex
CREATE INDEX "ServiceRoute_serviceId_position_idx" ON "ServiceRoute"("serviceId", "position");
