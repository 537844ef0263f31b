-- CreateTable
CREATE TABLE "UsageRecentTotal" (
    "tokenId" TEXT NOT NULL PRIMARY KEY,
    "orgId" TEXT NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "UsageRecentWindow" (
    "orgId" TEXT NOT NULL PRIMARY KEY,
    "firstDay" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "UsageRecentTotal_orgId_requests_idx" ON "UsageRecentTotal"("orgId", "requests");
