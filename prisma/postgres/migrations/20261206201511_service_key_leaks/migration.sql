-- AlterTable
ALTER TABLE "Service" ADD COLUMN     "keyLeakReportSource" TEXT,
ADD COLUMN     "keyLeakReportedAt" TIMESTAMP(3),
ADD COLUMN     "keyRevokedAt" TIMESTAMP(3);
