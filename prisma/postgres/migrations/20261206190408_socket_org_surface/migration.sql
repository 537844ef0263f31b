-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "committers" TEXT NOT NULL DEFAULT '[]';

-- AlterTable
ALTER TABLE "Org" ADD COLUMN     "telemetryEnabled" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "telemetryEventCount" INTEGER NOT NULL DEFAULT 0;
