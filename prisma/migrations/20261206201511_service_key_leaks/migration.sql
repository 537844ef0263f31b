-- AlterTable
ALTER TABLE "Service" ADD COLUMN "keyLeakReportSource" TEXT;
ALTER TABLE "Service" ADD COLUMN "keyLeakReportedAt" DATETIME;
ALTER TABLE "Service" ADD COLUMN "keyRevokedAt" DATETIME;
