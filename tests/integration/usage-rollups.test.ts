import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";

import { createApiStore } from "@/lib/api/create-store";
import { db } from "@/lib/db/client";
import { resolveDatabaseTarget } from "@/lib/db/database-url";
import {
  backfillUsageRollups,
  DAY_MS,
  HOUR_MS,
  insertUsageWithRollups,
  refreshRecentTotals,
  type UsageEventRow,
} from "@/lib/db/usage-rollups";
import { outcomeOf, OUTCOMES } from "@/lib/domain/usage/outcomes";
import { REFUSAL_STATUS, type RefusalReason } from "@/lib/domain/usage/refusals";

import { createTestOrg } from "../support/request-as";
import { insertUsageTestToken, usageRow } from "../support/usage";

// The rollups must always equal a recount of UsageEvent: after many batches that hit the same
// hours and days, and after rebuilding them from scratch.

const BASE = Date.UTC(2030, 5, 10, 22);
const STATUSES = [200, 201, 400, 401, 403, 404, 429, 500, 503];

type Token = Awaited<ReturnType<typeof insertUsageTestToken>>;
let tokens: Token[];
let orgId: string;

/** Pseudo-random but repeatable calls spread over three days, across three tokens. */
function calls(count: number, seed: number): UsageEventRow[] {
  let state = seed;
  const next = (n: number) => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31), state % n);
  return Array.from({ length: count }, () => {
    const token = tokens[next(tokens.length)];
    return usageRow(token, {
      at: new Date(BASE + next(3 * 24 * 60) * 60_000 + next(60_000)),
      method: next(2) ? "GET" : "POST",
      route: ["/v0/quota", "/v0/report/list", "/v0/orgs/{org}/tokens"][next(3)],
      status: STATUSES[next(STATUSES.length)],
      ip: next(5) === 0 ? null : `198.51.100.${next(4)}`,
      userAgent: next(7) === 0 ? null : `agent/${next(3)}`,
      cost: next(4),
    });
  });
}

/** What the rollups should hold, computed here from the stored rows. */
async function recount() {
  const rows = await db.usageEvent.findMany({ where: { tokenId: { in: tokens.map((t) => t.id) } } });
  const refused = await db.refusedCallCount.findMany({ where: { tokenId: { in: tokens.map((t) => t.id) } } });
  const hourly = new Map<string, Record<string, number>>();
  const daily = new Map<string, Record<string, number>>();
  const breakdown = new Map<string, { requests: number; denied: number; lastAt: number }>();
  const add = (map: Map<string, Record<string, number>>, key: string, status: number, cost: number, calls = 1) => {
    const counts = map.get(key) ?? Object.fromEntries(["requests", "cost", ...OUTCOMES].map((k) => [k, 0]));
    counts.requests += calls;
    counts[outcomeOf(status)] += calls;
    counts.cost += cost;
    map.set(key, counts);
  };
  // Refused-call counters count in the hourly and daily rollups (not in the breakdowns: a rebuild
  // cannot know their routes).
  for (const counter of refused) {
    const at = counter.lastAt.getTime();
    const status = REFUSAL_STATUS[counter.reason as RefusalReason];
    add(hourly, `${counter.tokenId} ${Math.floor(at / HOUR_MS) * HOUR_MS}`, status, 0, counter.count);
    add(daily, `${counter.tokenId} ${Math.floor(at / DAY_MS) * DAY_MS}`, status, 0, counter.count);
  }
  for (const row of rows) {
    const at = row.at.getTime();
    add(hourly, `${row.tokenId} ${Math.floor(at / HOUR_MS) * HOUR_MS}`, row.status, row.cost);
    add(daily, `${row.tokenId} ${Math.floor(at / DAY_MS) * DAY_MS}`, row.status, row.cost);
    for (const [dimension, value] of [
      ["route", `${row.method} ${row.route}`],
      ["ip", row.ip ?? ""],
      ["userAgent", row.userAgent ?? ""],
    ]) {
      const key = `${row.tokenId} ${dimension} ${Math.floor(at / DAY_MS) * DAY_MS} ${value}`;
      const entry = breakdown.get(key) ?? { requests: 0, denied: 0, lastAt: 0 };
      entry.requests += 1;
      if (row.status === 401 || row.status === 403) entry.denied += 1;
      entry.lastAt = Math.max(entry.lastAt, at);
      breakdown.set(key, entry);
    }
  }
  return { hourly, daily, breakdown, total: rows.length + refused.reduce((sum, counter) => sum + counter.count, 0) };
}

async function stored() {
  const where = { tokenId: { in: tokens.map((t) => t.id) } };
  const pick = (row: Record<string, unknown>) => Object.fromEntries(["requests", "cost", ...OUTCOMES].map((k) => [k, row[k] as number]));
  const [hours, days, breakdowns, orgHours] = await Promise.all([
    db.usageHourly.findMany({ where }),
    db.usageDaily.findMany({ where }),
    db.usageBreakdownDaily.findMany({ where }),
    db.usageOrgHourly.findMany({ where: { orgId } }),
  ]);
  return {
    hourly: new Map(hours.map((r) => [`${r.tokenId} ${r.hour.getTime()}`, pick(r)])),
    daily: new Map(days.map((r) => [`${r.tokenId} ${r.day.getTime()}`, pick(r)])),
    breakdown: new Map(
      breakdowns.map((r) => [
        `${r.tokenId} ${r.dimension} ${r.day.getTime()} ${r.value}`,
        { requests: r.requests, denied: r.denied, lastAt: r.lastAt.getTime() },
      ]),
    ),
    orgTotal: orgHours.reduce((sum, r) => sum + r.requests, 0),
  };
}

async function expectRollupsMatchRecount() {
  const [expected, actual] = await Promise.all([recount(), stored()]);
  expect(actual.hourly).toEqual(expected.hourly);
  expect(actual.daily).toEqual(expected.daily);
  expect(actual.breakdown).toEqual(expected.breakdown);
  // The org has no other tokens, so its hourly rollup adds up to the same total.
  expect(actual.orgTotal).toBe(expected.total);
  // Rolling-window totals, once the org's window exists, are the per-day counts inside it.
  const window = await db.usageRecentWindow.findUnique({ where: { orgId } });
  if (window) {
    const [totals, days] = await Promise.all([
      db.usageRecentTotal.findMany({ where: { orgId } }),
      db.usageDaily.groupBy({ by: ["tokenId"], where: { orgId, day: { gte: window.firstDay } }, _sum: { requests: true } }),
    ]);
    expect(Object.fromEntries(totals.map((t) => [t.tokenId, t.requests]))).toEqual(
      Object.fromEntries(days.map((d) => [d.tokenId, d._sum.requests])),
    );
  }
}

beforeAll(async () => {
  const { org } = await createTestOrg("rollups");
  orgId = org.id;
  tokens = [await insertUsageTestToken(orgId), await insertUsageTestToken(orgId), await insertUsageTestToken(orgId)];
});

describe("usage rollups", () => {
  it("equal a recount after many batches that land on the same hours and days", async () => {
    const rows = calls(1_500, 7);
    for (let start = 0; start < rows.length; start += 137) await insertUsageWithRollups(db, rows.slice(start, start + 137));
    await expectRollupsMatchRecount();
  });

  it("equal a recount when the REST API's usage writer adds batches on its own connection", async () => {
    // With the org's rolling window in place, the writer keeps its totals too.
    await refreshRecentTotals(db, orgId, new Date(BASE + 5 * DAY_MS));
    const store = createApiStore(resolveDatabaseTarget(process.env.DATABASE_URL));
    try {
      const rows = calls(1_200, 31).map((row) => ({ ...row, at: row.at.getTime() }));
      for (let start = 0; start < rows.length; start += 250) await store.insertUsage(rows.slice(start, start + 250));
    } finally {
      await store.close();
    }
    await expectRollupsMatchRecount();
  });

  it("are rebuilt from UsageEvent and the refused-call counters by the backfill, equal to the recount", async () => {
    // Rows and counters written without rollups (a bulk import), then the backfill.
    await db.usageEvent.createMany({ data: calls(400, 99) });
    const minute = BASE + 90 * 60_000;
    await db.refusedCallCount.createMany({
      data: [
        {
          tokenId: tokens[0].id,
          valueId: tokens[0].valueId,
          reason: "replaced",
          minute: new Date(minute),
          orgId,
          count: 250,
          lastAt: new Date(minute + 59_000),
        },
        {
          tokenId: tokens[1].id,
          valueId: tokens[1].valueId,
          reason: "quota",
          minute: new Date(minute),
          orgId,
          count: 40,
          lastAt: new Date(minute + 1_000),
        },
      ],
    });
    await backfillUsageRollups(db);
    await expectRollupsMatchRecount();
  });
});

describe("a token's last use", () => {
  it("is its latest recorded call, whatever order and writer its batches come in; refused calls are no use", async () => {
    const { org } = await createTestOrg("last-use");
    const owned = [await insertUsageTestToken(org.id), await insertUsageTestToken(org.id), await insertUsageTestToken(org.id)];
    const store = createApiStore(resolveDatabaseTarget(process.env.DATABASE_URL));
    const call = fc.record({
      token: fc.nat(owned.length - 1),
      minute: fc.nat(5_000),
      method: fc.constantFrom("GET", "POST"),
      route: fc.constantFrom("/v0/quota", "/gw/billing/invoices/:id"),
      status: fc.constantFrom(200, 403, 503),
      ip: fc.constantFrom(null, "198.51.100.1", "2001:db8::1"),
      userAgent: fc.constantFrom(null, "cli/1"),
    });
    try {
      await fc.assert(
        fc.asyncProperty(
          // Distinct times, so "latest" names one call; in any order, cut into batches of any size.
          fc.uniqueArray(call, { selector: (c) => c.minute, minLength: 1, maxLength: 30 }),
          fc.integer({ min: 1, max: 8 }),
          fc.boolean(),
          async (calls, batchSize, apiWriterFirst) => {
            await db.apiToken.updateMany({
              where: { orgId: org.id },
              data: { lastUsedAt: null, lastUsedIp: null, lastUsedUserAgent: null, lastUsedRoute: null },
            });
            const rows = calls.map((c) =>
              usageRow(owned[c.token], {
                at: new Date(BASE + c.minute * 60_000),
                method: c.method,
                route: c.route,
                status: c.status,
                ip: c.ip,
                userAgent: c.userAgent,
              }),
            );
            for (let start = 0, batch = 0; start < rows.length; start += batchSize, batch++) {
              const chunk = rows.slice(start, start + batchSize);
              // The REST API's usage writer and the Prisma writer (seed, tests) record last use alike.
              if ((batch % 2 === 0) === apiWriterFirst) await store.insertUsage(chunk.map((row) => ({ ...row, at: row.at.getTime() })));
              else await insertUsageWithRollups(db, chunk);
            }
            // A refused call later than all of them is counted, not used.
            const [first] = owned;
            const refusedAt = BASE + 6_000 * 60_000;
            await store.insertUsage(
              [],
              [
                {
                  tokenId: first.id,
                  valueId: first.valueId,
                  orgId: org.id,
                  reason: "scope",
                  minute: Math.floor(refusedAt / 60_000) * 60_000,
                  method: "GET",
                  route: "/v0/refused",
                  ip: "192.0.2.66",
                  userAgent: "refused/1",
                  count: 1,
                  lastAt: refusedAt,
                },
              ],
            );
            for (const [index, token] of owned.entries()) {
              const latest = calls.filter((c) => c.token === index).sort((a, b) => b.minute - a.minute)[0];
              const stored = await db.apiToken.findUniqueOrThrow({
                where: { id: token.id },
                select: { lastUsedAt: true, lastUsedIp: true, lastUsedUserAgent: true, lastUsedRoute: true },
              });
              expect(stored).toEqual(
                latest
                  ? {
                      lastUsedAt: new Date(BASE + latest.minute * 60_000),
                      lastUsedIp: latest.ip,
                      lastUsedUserAgent: latest.userAgent,
                      lastUsedRoute: `${latest.method} ${latest.route}`,
                    }
                  : { lastUsedAt: null, lastUsedIp: null, lastUsedUserAgent: null, lastUsedRoute: null },
              );
            }
          },
        ),
        { numRuns: 25 },
      );
    } finally {
      await store.close();
    }
  });
});
