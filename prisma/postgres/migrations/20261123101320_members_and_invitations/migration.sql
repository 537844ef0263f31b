-- AlterTable
ALTER TABLE "Invitation" ADD COLUMN     "sentAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
UPDATE "Invitation" SET "sentAt" = "createdAt";

-- AlterTable
ALTER TABLE "Org" ADD COLUMN     "githubOrgLogin" TEXT;

-- CreateIndex
CREATE INDEX "Org_githubOrgLogin_idx" ON "Org"("githubOrgLogin");
