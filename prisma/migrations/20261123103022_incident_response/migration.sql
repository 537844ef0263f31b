-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN "leakReportSource" TEXT;
ALTER TABLE "ApiToken" ADD COLUMN "leakReportedAt" DATETIME;

-- CreateTable
CREATE TABLE "Incident" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "orgId" TEXT NOT NULL,
    "createdById" TEXT,
    "createdByLabel" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "graceSeconds" INTEGER NOT NULL DEFAULT 0,
    "filter" TEXT NOT NULL DEFAULT '{}',
    "status" TEXT NOT NULL DEFAULT 'RUNNING',
    "total" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "leaseUntil" DATETIME,
    CONSTRAINT "Incident_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "IncidentItem" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "incidentId" TEXT NOT NULL,
    "tokenId" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'PENDING',
    "newValueId" TEXT,
    "note" TEXT,
    "doneAt" DATETIME,
    CONSTRAINT "IncidentItem_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Org" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "plan" TEXT NOT NULL DEFAULT 'free',
    "githubOrgLogin" TEXT,
    "leakedTokenPolicy" TEXT NOT NULL DEFAULT 'DISABLE',
    "maxTokenLifetimeDays" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Org" ("createdAt", "githubOrgLogin", "id", "name", "plan", "slug", "updatedAt") SELECT "createdAt", "githubOrgLogin", "id", "name", "plan", "slug", "updatedAt" FROM "Org";
DROP TABLE "Org";
ALTER TABLE "new_Org" RENAME TO "Org";
CREATE UNIQUE INDEX "Org_slug_key" ON "Org"("slug");
CREATE INDEX "Org_githubOrgLogin_idx" ON "Org"("githubOrgLogin");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Incident_orgId_createdAt_idx" ON "Incident"("orgId", "createdAt");

-- CreateIndex
CREATE INDEX "IncidentItem_incidentId_state_idx" ON "IncidentItem"("incidentId", "state");

-- CreateIndex
CREATE UNIQUE INDEX "IncidentItem_incidentId_tokenId_key" ON "IncidentItem"("incidentId", "tokenId");

-- CreateIndex
CREATE INDEX "ApiToken_orgId_leakReportedAt_idx" ON "ApiToken"("orgId", "leakReportedAt");

-- CreateIndex
CREATE INDEX "ApiTokenValue_orgId_validUntil_idx" ON "ApiTokenValue"("orgId", "validUntil");
