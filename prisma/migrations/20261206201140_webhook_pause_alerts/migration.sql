-- CreateTable
CREATE TABLE "WebhookPauseAlert" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "webhookId" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "pausedAt" DATETIME NOT NULL,
    "consecutiveFailures" INTEGER NOT NULL,
    "lastError" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL,
    "sentAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "WebhookPauseAlert_webhookId_fkey" FOREIGN KEY ("webhookId") REFERENCES "Webhook" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "WebhookPauseAlert_sentAt_nextAttemptAt_idx" ON "WebhookPauseAlert"("sentAt", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookPauseAlert_webhookId_pausedAt_userId_key" ON "WebhookPauseAlert"("webhookId", "pausedAt", "userId");
