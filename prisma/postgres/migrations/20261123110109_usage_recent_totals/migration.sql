-- CreateTable
CREATE TABLE "UsageRecentTotal" (
    "tokenId" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "UsageRecentTotal_pkey" PRIMARY KEY ("tokenId")
);

-- CreateTable
CREATE TABLE "UsageRecentWindow" (
    "orgId" TEXT NOT NULL,
    "firstDay" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "UsageRecentWindow_pkey" PRIMARY KEY ("orgId")
);

-- CreateIndex
CREATE INDEX "UsageRecentTotal_orgId_requests_idx" ON "UsageRecentTotal"("orgId", "requests");
