-- CreateTable
CREATE TABLE "UsageHourly" (
    "tokenId" TEXT NOT NULL,
    "hour" DATETIME NOT NULL,
    "orgId" TEXT NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "success" INTEGER NOT NULL DEFAULT 0,
    "clientErrors" INTEGER NOT NULL DEFAULT 0,
    "authErrors" INTEGER NOT NULL DEFAULT 0,
    "rateLimited" INTEGER NOT NULL DEFAULT 0,
    "serverErrors" INTEGER NOT NULL DEFAULT 0,
    "cost" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("tokenId", "hour")
);

-- CreateTable
CREATE TABLE "UsageDaily" (
    "tokenId" TEXT NOT NULL,
    "day" DATETIME NOT NULL,
    "orgId" TEXT NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "success" INTEGER NOT NULL DEFAULT 0,
    "clientErrors" INTEGER NOT NULL DEFAULT 0,
    "authErrors" INTEGER NOT NULL DEFAULT 0,
    "rateLimited" INTEGER NOT NULL DEFAULT 0,
    "serverErrors" INTEGER NOT NULL DEFAULT 0,
    "cost" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("tokenId", "day")
);

-- CreateTable
CREATE TABLE "UsageOrgHourly" (
    "orgId" TEXT NOT NULL,
    "hour" DATETIME NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "success" INTEGER NOT NULL DEFAULT 0,
    "clientErrors" INTEGER NOT NULL DEFAULT 0,
    "authErrors" INTEGER NOT NULL DEFAULT 0,
    "rateLimited" INTEGER NOT NULL DEFAULT 0,
    "serverErrors" INTEGER NOT NULL DEFAULT 0,
    "cost" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("orgId", "hour")
);

-- CreateTable
CREATE TABLE "UsageBreakdownDaily" (
    "tokenId" TEXT NOT NULL,
    "dimension" TEXT NOT NULL,
    "day" DATETIME NOT NULL,
    "value" TEXT NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "denied" INTEGER NOT NULL DEFAULT 0,
    "lastAt" DATETIME NOT NULL,

    PRIMARY KEY ("tokenId", "dimension", "day", "value")
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
SELECT "tokenId", ("at" / 3600000) * 3600000, MIN("orgId"), COUNT(*),
       SUM(CASE WHEN "status" < 400 THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" >= 400 AND "status" < 500 AND "status" NOT IN (401, 403, 429) THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" IN (401, 403) THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" = 429 THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" >= 500 THEN 1 ELSE 0 END),
       SUM("cost")
FROM "UsageEvent" GROUP BY "tokenId", ("at" / 3600000) * 3600000;

INSERT INTO "UsageDaily" ("tokenId", "day", "orgId", "requests", "success", "clientErrors", "authErrors", "rateLimited", "serverErrors", "cost")
SELECT "tokenId", ("at" / 86400000) * 86400000, MIN("orgId"), COUNT(*),
       SUM(CASE WHEN "status" < 400 THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" >= 400 AND "status" < 500 AND "status" NOT IN (401, 403, 429) THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" IN (401, 403) THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" = 429 THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" >= 500 THEN 1 ELSE 0 END),
       SUM("cost")
FROM "UsageEvent" GROUP BY "tokenId", ("at" / 86400000) * 86400000;

INSERT INTO "UsageOrgHourly" ("orgId", "hour", "requests", "success", "clientErrors", "authErrors", "rateLimited", "serverErrors", "cost")
SELECT "orgId", ("at" / 3600000) * 3600000, COUNT(*),
       SUM(CASE WHEN "status" < 400 THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" >= 400 AND "status" < 500 AND "status" NOT IN (401, 403, 429) THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" IN (401, 403) THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" = 429 THEN 1 ELSE 0 END),
       SUM(CASE WHEN "status" >= 500 THEN 1 ELSE 0 END),
       SUM("cost")
FROM "UsageEvent" GROUP BY "orgId", ("at" / 3600000) * 3600000;

INSERT INTO "UsageBreakdownDaily" ("tokenId", "dimension", "day", "value", "requests", "denied", "lastAt")
SELECT "tokenId", 'route', ("at" / 86400000) * 86400000, "method" || ' ' || "route", COUNT(*), SUM(CASE WHEN "status" IN (401, 403) THEN 1 ELSE 0 END), MAX("at")
FROM "UsageEvent" GROUP BY "tokenId", ("at" / 86400000) * 86400000, "method" || ' ' || "route";

INSERT INTO "UsageBreakdownDaily" ("tokenId", "dimension", "day", "value", "requests", "denied", "lastAt")
SELECT "tokenId", 'ip', ("at" / 86400000) * 86400000, COALESCE("ip", ''), COUNT(*), SUM(CASE WHEN "status" IN (401, 403) THEN 1 ELSE 0 END), MAX("at")
FROM "UsageEvent" GROUP BY "tokenId", ("at" / 86400000) * 86400000, COALESCE("ip", '');

INSERT INTO "UsageBreakdownDaily" ("tokenId", "dimension", "day", "value", "requests", "denied", "lastAt")
SELECT "tokenId", 'userAgent', ("at" / 86400000) * 86400000, COALESCE("userAgent", ''), COUNT(*), SUM(CASE WHEN "status" IN (401, 403) THEN 1 ELSE 0 END), MAX("at")
FROM "UsageEvent" GROUP BY "tokenId", ("at" / 86400000) * 86400000, COALESCE("userAgent", '');
