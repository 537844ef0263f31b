-- AlterTable
ALTER TABLE "Org" ADD COLUMN "githubOrgLogin" TEXT;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Invitation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "orgId" TEXT NOT NULL,
    "email" TEXT,
    "githubLogin" TEXT,
    "role" TEXT NOT NULL DEFAULT 'MEMBER',
    "secretHash" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "invitedById" TEXT,
    "acceptedAt" DATETIME,
    "acceptedById" TEXT,
    "revokedAt" DATETIME,
    CONSTRAINT "Invitation_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
-- sentAt of existing invitations is their createdAt (epoch ms, like every DateTime here; the column default would be text).
INSERT INTO "new_Invitation" ("acceptedAt", "acceptedById", "createdAt", "sentAt", "email", "expiresAt", "githubLogin", "id", "invitedById", "orgId", "revokedAt", "role", "secretHash") SELECT "acceptedAt", "acceptedById", "createdAt", "createdAt", "email", "expiresAt", "githubLogin", "id", "invitedById", "orgId", "revokedAt", "role", "secretHash" FROM "Invitation";
DROP TABLE "Invitation";
ALTER TABLE "new_Invitation" RENAME TO "Invitation";
CREATE UNIQUE INDEX "Invitation_secretHash_key" ON "Invitation"("secretHash");
CREATE INDEX "Invitation_orgId_createdAt_idx" ON "Invitation"("orgId", "createdAt");
CREATE INDEX "Invitation_email_idx" ON "Invitation"("email");
CREATE INDEX "Invitation_githubLogin_idx" ON "Invitation"("githubLogin");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Org_githubOrgLogin_idx" ON "Org"("githubOrgLogin");
