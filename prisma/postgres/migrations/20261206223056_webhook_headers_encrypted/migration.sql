-- AlterTable
ALTER TABLE "Webhook" ADD COLUMN     "headersCiphertext" TEXT,
ADD COLUMN     "headersKeyVersion" INTEGER;
