-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "serviceScopes" TEXT NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "Service" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "upstreamUrl" TEXT NOT NULL,
    "defaultScope" TEXT,
    "defaultCost" INTEGER NOT NULL DEFAULT 1,
    "keyHash" TEXT NOT NULL,
    "keyLastFour" TEXT NOT NULL,
    "keyRotatedAt" TIMESTAMP(3),
    "disabledAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,

CONSTRAINT "Service_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ServiceScope" (
    "id" TEXT NOT NULL,
    "serviceId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',

CONSTRAINT "ServiceScope_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ServiceRoute" (
    "id" TEXT NOT NULL,
    "serviceId" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "pathPattern" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "cost" INTEGER NOT NULL DEFAULT 1,
    "position" INTEGER NOT NULL DEFAULT 0,

CONSTRAINT "ServiceRoute_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Service_keyHash_key" ON "Service"("keyHash");

-- CreateIndex
CREATE INDEX "Service_orgId_createdAt_idx" ON "Service"("orgId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Service_orgId_slug_key" ON "Service"("orgId", "slug");

-- CreateIndex
CREATE UNIQUE INDEX "ServiceScope_serviceId_name_key" ON "ServiceScope"("serviceId", "name");

-- CreateIndex
CREATE INDEX "ServiceRoute_serviceId_position_idx" ON "ServiceRoute"("serviceId", "position");

-- AddForeignKey
ALTER TABLE "Service" ADD CONSTRAINT "Service_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceScope" ADD CONSTRAINT "ServiceScope_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "Service"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceRoute" ADD CONSTRAINT "ServiceRoute_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "Service"("id") ON DELETE CASCADE ON UPDATE CASCADE;
