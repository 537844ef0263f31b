-- CreateEnum
CREATE TYPE "LeakedTokenPolicy" AS ENUM ('DISABLE', 'FLAG');

-- CreateEnum
CREATE TYPE "IncidentAction" AS ENUM ('ROTATE', 'DISABLE', 'MAKE_ADMIN_ONLY', 'REVOKE');

-- CreateEnum
CREATE TYPE "IncidentStatus" AS ENUM ('RUNNING', 'COMPLETED');

-- CreateEnum
CREATE TYPE "IncidentItemState" AS ENUM ('PENDING', 'DONE', 'SKIPPED');

-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "leakReportSource" TEXT,
ADD COLUMN     "leakReportedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Org" ADD COLUMN     "leakedTokenPolicy" "LeakedTokenPolicy" NOT NULL DEFAULT 'DISABLE',
ADD COLUMN     "maxTokenLifetimeDays" INTEGER;

-- CreateTable
CREATE TABLE "Incident" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "createdById" TEXT,
    "createdByLabel" TEXT NOT NULL,
    "action" "IncidentAction" NOT NULL,
    "graceSeconds" INTEGER NOT NULL DEFAULT 0,
    "filter" TEXT NOT NULL DEFAULT '{}',
    "status" "IncidentStatus" NOT NULL DEFAULT 'RUNNING',
    "total" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "leaseUntil" TIMESTAMP(3),

    CONSTRAINT "Incident_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IncidentItem" (
    "id" TEXT NOT NULL,
    "incidentId" TEXT NOT NULL,
    "tokenId" TEXT NOT NULL,
    "state" "IncidentItemState" NOT NULL DEFAULT 'PENDING',
    "newValueId" TEXT,
    "note" TEXT,
    "doneAt" TIMESTAMP(3),

    CONSTRAINT "IncidentItem_pkey" PRIMARY KEY ("id")
);

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

-- AddForeignKey
ALTER TABLE "Incident" ADD CONSTRAINT "Incident_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IncidentItem" ADD CONSTRAINT "IncidentItem_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident"("id") ON DELETE CASCADE ON UPDATE CASCADE;
