-- CreateTable
CREATE TABLE "RepoLabel" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "orgId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "RepoLabel_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RepoLabelLink" (
    "labelId" TEXT NOT NULL,
    "repoId" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("labelId", "repoId"),
    CONSTRAINT "RepoLabelLink_labelId_fkey" FOREIGN KEY ("labelId") REFERENCES "RepoLabel" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "RepoLabelLink_repoId_fkey" FOREIGN KEY ("repoId") REFERENCES "Repo" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "RepoLabel_orgId_createdAt_idx" ON "RepoLabel"("orgId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "RepoLabel_orgId_name_key" ON "RepoLabel"("orgId", "name");

-- CreateIndex
CREATE INDEX "RepoLabelLink_repoId_idx" ON "RepoLabelLink"("repoId");

-- CreateIndex
CREATE INDEX "RepoLabelLink_orgId_idx" ON "RepoLabelLink"("orgId");

-- "repo" used to grant only repo:list; it now also grants repo:read and repo:write. A token
-- granted "repo" before keeps exactly what it had: no token gains power on upgrade.
UPDATE "ApiToken" SET "scopes" = trim(replace(' ' || "scopes" || ' ', ' repo ', ' repo:list ')) WHERE ' ' || "scopes" || ' ' LIKE '% repo %';
