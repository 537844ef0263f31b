-- CreateTable
CREATE TABLE "WebhookPauseAlert" (
    "id" TEXT NOT NULL,
    "webhookId" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "pausedAt" TIMESTAMP(3) NOT NULL,
    "consecutiveFailures" INTEGER NOT NULL,
    "lastError" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL,
    "sentAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

CONSTRAINT "WebhookPauseAlert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WebhookPauseAlert_sentAt_nextAttemptAt_idx" ON "WebhookPauseAlert"("sentAt", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookPauseAlert_webhookId_pausedAt_userId_key" ON "WebhookPauseAlert"("webhookId", "pausedAt", "userId");

-- AddForeignKey
ALTER TABLE "WebhookPauseAlert" ADD CONSTRAINT "WebhookPauseAlert_webhookId_fkey" FOREIGN KEY ("webhookId") REFERENCES "Webhook"("id") ON DELETE CASCADE ON UPDATE CASCADE;
