-- CreateTable
CREATE TABLE "UsageHourly" (
    "tokenId" TEXT NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "orgId" TEXT NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "success" INTEGER NOT NULL DEFAULT 0,
    "clientErrors" INTEGER NOT NULL DEFAULT 0,
    "authErrors" INTEGER NOT NULL DEFAULT 0,
    "rateLimited" INTEGER NOT NULL DEFAULT 0,
    "serverErrors" INTEGER NOT NULL DEFAULT 0,
    "cost" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "UsageHourly_pkey" PRIMARY KEY ("tokenId","hour")
);

-- CreateTable
CREATE TABLE "UsageDaily" (
    "tokenId" TEXT NOT NULL,
    "day" TIMESTAMP(3) NOT NULL,
    "orgId" TEXT NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "success" INTEGER NOT NULL DEFAULT 0,
    "clientErrors" INTEGER NOT NULL DEFAULT 0,
    "authErrors" INTEGER NOT NULL DEFAULT 0,
    "rateLimited" INTEGER NOT NULL DEFAULT 0,
    "serverErrors" INTEGER NOT NULL DEFAULT 0,
    "cost" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "UsageDaily_pkey" PRIMARY KEY ("tokenId","day")
);

-- CreateTable
CREATE TABLE "UsageOrgHourly" (
    "orgId" TEXT NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "success" INTEGER NOT NULL DEFAULT 0,
    "clientErrors" INTEGER NOT NULL DEFAULT 0,
    "authErrors" INTEGER NOT NULL DEFAULT 0,
    "rateLimited" INTEGER NOT NULL DEFAULT 0,
    "serverErrors" INTEGER NOT NULL DEFAULT 0,
    "cost" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "UsageOrgHourly_pkey" PRIMARY KEY ("orgId","hour")
);

-- CreateTable
CREATE TABLE "UsageBreakdownDaily" (
    "tokenId" TEXT NOT NULL,
    "dimension" TEXT NOT NULL,
    "day" TIMESTAMP(3) NOT NULL,
    "value" TEXT NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "denied" INTEGER NOT NULL DEFAULT 0,
    "lastAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "UsageBreakdownDaily_pkey" PRIMARY KEY ("tokenId","dimension","day","value")
);

-- CreateIndex
CREATE INDEX "UsageDaily_orgId_day_tokenId_requests_idx" ON "UsageDaily"("orgId", "day", "tokenId", "requests");

-- CreateIndex
CREATE INDEX "UsageEvent_tokenId_status_at_idx" ON "UsageEvent"("tokenId", "status", "at");

-- CreateIndex
CREATE INDEX "UsageEvent_tokenId_route_at_idx" ON "UsageEvent"("tokenId", "route", "at");

-- CreateIndex
CREATE INDEX "UsageEvent_tokenId_ip_at_idx" ON "UsageEvent"("tokenId", "ip", "at");

-- Rollups of the usage recorded before this migration (later rows are rolled up as they are written).
INSERT INTO "UsageHourly" ("tokenId", "hour", "orgId", "requests", "success", "clientErrors", "authErrors", "rateLimited", "serverErrors", "cost")
SELECT "tokenId", date_trunc('hour', "at"), MIN("orgId"), COUNT(*),
       SUM(CASE WHEN "status" < 400 THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" >= 400 AND "status" < 500 AND "status" NOT IN (401, 403, 429) THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" IN (401, 403) THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" = 429 THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" >= 500 THEN 1 ELSE 0 END),
       SUM("cost")
FROM "UsageEvent" GROUP BY "tokenId", date_trunc('hour', "at");

INSERT INTO "UsageDaily" ("tokenId", "day", "orgId", "requests", "success", "clientErrors", "authErrors", "rateLimited", "serverErrors", "cost")
SELECT "tokenId", date_trunc('day', "at"), MIN("orgId"), COUNT(*),
       SUM(CASE WHEN "status" < 400 THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" >= 400 AND "status" < 500 AND "status" NOT IN (401, 403, 429) THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" IN (401, 403) THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" = 429 THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" >= 500 THEN 1 ELSE 0 END),
       SUM("cost")
FROM "UsageEvent" GROUP BY "tokenId", date_trunc('day', "at");

INSERT INTO "UsageOrgHourly" ("orgId", "hour", "requests", "success", "clientErrors", "authErrors", "rateLimited", "serverErrors", "cost")
SELECT "orgId", date_trunc('hour', "at"), COUNT(*),
       SUM(CASE WHEN "status" < 400 THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" >= 400 AND "status" < 500 AND "status" NOT IN (401, 403, 429) THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" IN (401, 403) THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" = 429 THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" >= 500 THEN 1 ELSE 0 END),
       SUM("cost")
FROM "UsageEvent" GROUP BY "orgId", date_trunc('hour', "at");

INSERT INTO "UsageBreakdownDaily" ("tokenId", "dimension", "day", "value", "requests", "denied", "lastAt")
SELECT "tokenId", 'route', date_trunc('day', "at"), "method" || ' ' || "route", COUNT(*), SUM(CASE WHEN "status" IN (401, 403) THEN 1 ELSE 0 END), MAX("at")
FROM "UsageEvent" GROUP BY "tokenId", date_trunc('day', "at"), "method" || ' ' || "route";

INSERT INTO "UsageBreakdownDaily" ("tokenId", "dimension", "day", "value", "requests", "denied", "lastAt")
SELECT "tokenId", 'ip', date_trunc('day', "at"), COALESCE("ip", ''), COUNT(*), SUM(CASE WHEN "status" IN (401, 403) THEN 1 ELSE 0 END), MAX("at")
FROM "UsageEvent" GROUP BY "tokenId", date_trunc('day', "at"), COALESCE("ip", '');

INSERT INTO "UsageBreakdownDaily" ("tokenId", "dimension", "day", "value", "requests", "denied", "lastAt")
SELECT "tokenId", 'userAgent', date_trunc('day', "at"), COALESCE("userAgent", ''), COUNT(*), SUM(CASE WHEN "status" IN (401, 403) THEN 1 ELSE 0 END), MAX("at")
FROM "UsageEvent" GROUP BY "tokenId", date_trunc('day', "at"), COALESCE("userAgent", '');
