-- Added in place (not a table redefinition), so columns other migrations add to these tables survive.
-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN "committers" TEXT NOT NULL DEFAULT '[]';

-- AlterTable
ALTER TABLE "Org" ADD COLUMN "telemetryEnabled" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Org" ADD COLUMN "telemetryEventCount" INTEGER NOT NULL DEFAULT 0;
