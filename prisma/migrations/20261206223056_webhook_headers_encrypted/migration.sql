-- AlterTable
ALTER TABLE "Webhook" ADD COLUMN "headersCiphertext" TEXT;
ALTER TABLE "Webhook" ADD COLUMN "headersKeyVersion" INTEGER;
