// `npm run bench:retention`: the database size and the token page's usage queries over many
// simulated days of traffic, with the retention job pruning once a simulated day.
//
// Calls are written through the REST API's real recording path (SqliteApiStore.insertUsage: rows
// and their rollups in one transaction, in batches as the API's writer sends them) with an
// accelerated clock; after each day the retention job runs (pruneUsage, the job's own code) with
// KEYWARD_USAGE_RETENTION_DAYS. Then it measures the database's size (pages in use and the file)
// and the p95 of what the token page runs: getTokenUsage (charts, top lists, scopes used) and the
// request log's first page for the busiest token.
//
//   npm run bench:retention -- --calls-per-day 100000 --days 60 --retention-days 30
//
// SQLite only for now (see bench/README.md).
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";

import type { UsageRow } from "../lib/api/store";
import { SqliteApiStore } from "../lib/api/store-sqlite";
import { applyMigrations } from "../lib/db/migrate";

const { values: args } = parseArgs({
  options: {
    "calls-per-day": { type: "string", default: "100000" },
    days: { type: "string", default: "60" },
    "retention-days": { type: "string", default: "30" },
    tokens: { type: "string", default: "50" },
    samples: { type: "string", default: "30" },
  },
});
const CALLS_PER_DAY = Number(args["calls-per-day"]);
const DAYS = Number(args.days);
const RETENTION_DAYS = Number(args["retention-days"]);
const TOKENS = Number(args.tokens);
const SAMPLES = Number(args.samples);
const BATCH = 1_000;
const DAY_MS = 86_400_000;
const START = Date.UTC(2031, 0, 1);
const ROUTES = [
  ["GET", "/v0/quota"],
  ["GET", "/v0/orgs/{org}/repos"],
  ["GET", "/v0/report/list"],
  ["PUT", "/v0/report/upload"],
] as const;
const STATUSES = [200, 200, 200, 200, 200, 200, 200, 201, 404, 429];

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "keyward-bench-retention-"));
  const file = join(dir, "keyward.db");
  process.env.DATABASE_URL = `file:${file}`;
  try {
    await applyMigrations({ provider: "sqlite", file, url: process.env.DATABASE_URL });
    const [{ db }, { pruneUsage }, { getTokenUsage, listTokenRequests }, { requestLogParamsSchema }] = await Promise.all([
      import("../lib/db/client"),
      import("../lib/db/usage-retention"),
      import("../lib/db/queries/usage"),
      import("../lib/validations/usage"),
    ]);
    const store = new SqliteApiStore(file);
    const pages = new Database(file, { readonly: true });
    const orgId = "bench-org";
    const tokenIds = Array.from({ length: TOKENS }, (_, i) => `bench-token-${i}`);
    // The first token makes a fifth of the calls: the page measured is a busy token's.
    const tokenOf = (n: number) => (n % 5 === 0 ? tokenIds[0] : tokenIds[1 + (n % (TOKENS - 1))]);
    console.log(
      `${CALLS_PER_DAY.toLocaleString("en")} calls/day for ${DAYS} simulated days, ${TOKENS} tokens, retention ${RETENTION_DAYS} days (rollups 400), SQLite`,
    );
    console.log("day  rows kept   DB in use (MB)  file (MB)  write s  prune s  rows pruned  p95 token usage (ms)  p95 request log (ms)");
    let sequence = 0;
    for (let day = 0; day < DAYS; day += 1) {
      const dayStart = START + day * DAY_MS;
      const writeStart = performance.now();
      for (let done = 0; done < CALLS_PER_DAY; done += BATCH) {
        const rows: UsageRow[] = [];
        for (let i = done; i < Math.min(CALLS_PER_DAY, done + BATCH); i += 1) {
          sequence += 1;
          const [method, route] = ROUTES[sequence % ROUTES.length];
          rows.push({
            requestId: `bench-${sequence.toString(36).padStart(10, "0")}`,
            tokenId: tokenOf(sequence),
            valueId: null,
            orgId,
            at: dayStart + Math.floor((i / CALLS_PER_DAY) * DAY_MS),
            method,
            route,
            status: STATUSES[sequence % STATUSES.length],
            ip: `198.51.100.${sequence % 200}`,
            userAgent: `ci/${sequence % 7}`,
            cost: 1,
          });
        }
        await store.insertUsage(rows);
      }
      const writeSeconds = (performance.now() - writeStart) / 1000;
      const now = new Date(dayStart + DAY_MS - 1);
      const pruneStart = performance.now();
      const pruned = await pruneUsage(db, { now, usageDays: RETENTION_DAYS, rollupDays: 400 });
      const pruneSeconds = (performance.now() - pruneStart) / 1000;

      const token = {
        id: tokenIds[0],
        orgId,
        scopes: ["report:list" as const],
        createdAt: new Date(START),
        quotaMax: 1e9,
        quotaRemaining: 1e9,
        quotaWindow: "MONTHLY" as const,
        quotaResetAt: now,
      };
      const usageTimes: number[] = [];
      const logTimes: number[] = [];
      const firstPage = requestLogParamsSchema.parse({});
      for (let i = 0; i < SAMPLES; i += 1) {
        let t = performance.now();
        await getTokenUsage(token, now);
        usageTimes.push(performance.now() - t);
        t = performance.now();
        await listTokenRequests(tokenIds[0], firstPage);
        logTimes.push(performance.now() - t);
      }
      const pageSize = pages.pragma("page_size", { simple: true }) as number;
      const inUse =
        ((pages.pragma("page_count", { simple: true }) as number) - (pages.pragma("freelist_count", { simple: true }) as number)) *
        pageSize;
      const fileBytes = statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0);
      const kept = (pages.prepare(`SELECT COUNT(*) AS n FROM "UsageEvent"`).get() as { n: number }).n;
      console.log(
        [
          String(day + 1).padStart(3),
          kept.toLocaleString("en").padStart(10),
          (inUse / 1e6).toFixed(0).padStart(15),
          (fileBytes / 1e6).toFixed(0).padStart(10),
          writeSeconds.toFixed(1).padStart(8),
          pruneSeconds.toFixed(2).padStart(8),
          pruned.usageEvents.toLocaleString("en").padStart(12),
          p95(usageTimes).toFixed(1).padStart(21),
          p95(logTimes).toFixed(1).padStart(21),
        ].join(" "),
      );
    }
    pages.close();
    await store.close();
    await db.$disconnect();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function p95(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
