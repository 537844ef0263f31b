import { describe, expect, it } from "vitest";

import { createDb, db } from "@/lib/db/client";
import { resolveDatabaseTarget } from "@/lib/db/database-url";
import { getTokenScopeUsage, getTokenUsage, listTokenRequests } from "@/lib/db/queries/usage";
import { pruneUsage, retentionCutoff } from "@/lib/db/usage-retention";
import { DAY_MS, insertUsageWithRollups, type UsageEventRow } from "@/lib/db/usage-rollups";
import { runUsageRetention } from "@/lib/server/usage-retention-job";
import { requestLogParamsSchema } from "@/lib/validations/usage";

import { usageEventIds as eventIds, insertUsageTestToken, usageRow, retentionTestToken as usageToken } from "../support/usage";

// Retention runs on the shared test database, whose other files write usage in the present and
// future. Each test here lives in its own past (a different decade), so pruning "now" at that
// time can only touch this file's rows — and on PostgreSQL only create and drop that decade's
// partitions.

const target = resolveDatabaseTarget(process.env.DATABASE_URL);
const DEFAULTS = { usageDays: 30, rollupDays: 400, pauseMs: 0 };

describe("usage retention", () => {
  it("deletes exactly the old rows of every org and token, a deleted token's included, and nothing when nothing is old", async () => {
    const now = new Date(Date.UTC(1985, 5, 15, 12));
    const cutoff = retentionCutoff(now, 30);
    const created = new Date(Date.UTC(1984, 9, 1));
    const first = await usageToken("everyorg-a", created);
    const second = await usageToken("everyorg-b", created);
    const tokens = [
      first,
      await insertUsageTestToken(first.orgId, { createdAt: created }),
      second,
      await insertUsageTestToken(second.orgId, { createdAt: created }),
    ];
    const deleted = await insertUsageTestToken(second.orgId, { createdAt: created });
    const recentOnly = await insertUsageTestToken(first.orgId, { createdAt: created });
    const oldRows = [...tokens, deleted].flatMap((token, i) =>
      [1, 2 + i, 3 * DAY_MS].map((age) => usageRow(token, { at: new Date(cutoff.getTime() - age) })),
    );
    const keptRows = [...tokens, deleted, recentOnly].flatMap((token, i) =>
      [0, 1 + i, 2 * DAY_MS].map((age) => usageRow(token, { at: new Date(cutoff.getTime() + age) })),
    );
    await insertUsageWithRollups(db, [...oldRows, ...keptRows]);
    await db.apiToken.delete({ where: { id: deleted.id } });

    const result = await pruneUsage(db, { ...DEFAULTS, now, batchRows: 2 });

    expect(result.usageEvents).toBe(oldRows.length);
    for (const token of [...tokens, deleted, recentOnly]) {
      expect(await eventIds(token.id)).toEqual(
        keptRows
          .filter((row) => row.tokenId === token.id)
          .map((row) => row.requestId)
          .sort(),
      );
    }
    expect((await pruneUsage(db, { ...DEFAULTS, now })).usageEvents).toBe(0);
    // The kept rows would be old to the later tests' runs.
    await db.usageEvent.deleteMany({ where: { tokenId: { in: [...tokens, deleted, recentOnly].map((token) => token.id) } } });
  });

  it("deletes raw usage and refused-call counters older than the retention, in batches, and keeps the rollups", async () => {
    const now = new Date(Date.UTC(1990, 5, 15, 12));
    const cutoff = retentionCutoff(now, 30);
    const token = await usageToken("retention", new Date(Date.UTC(1988, 0, 1)));
    const old = Array.from({ length: 23 }, (_, i) => usageRow(token, { at: new Date(cutoff.getTime() - 1 - i * 3_600_000) }));
    const kept = Array.from({ length: 4 }, (_, i) => usageRow(token, { at: new Date(cutoff.getTime() + i * DAY_MS) }));
    const ancient = usageRow(token, { at: new Date(now.getTime() - 500 * DAY_MS) });
    await insertUsageWithRollups(db, [...old, ...kept, ancient]);
    const counter = { tokenId: token.id, valueId: token.valueId, reason: "QUOTA", orgId: token.orgId, count: 3 };
    await db.refusedCallCount.createMany({
      data: [
        { ...counter, minute: new Date(cutoff.getTime() - 60_000), lastAt: new Date(cutoff.getTime() - 60_000) },
        { ...counter, minute: cutoff, lastAt: cutoff },
      ],
    });
    const oldDay = new Date(Math.floor((cutoff.getTime() - 1) / DAY_MS) * DAY_MS);

    const result = await pruneUsage(db, { ...DEFAULTS, now, batchRows: 5 });

    expect(result.usageEvents).toBe(24);
    expect(result.refusedCallCounts).toBe(1);
    // 24 rows five at a time: five full batches and a last, smaller one (plus one per other table).
    expect(result.batches).toBeGreaterThanOrEqual(5);
    expect(await eventIds(token.id)).toEqual(kept.map((row) => row.requestId).sort());
    expect(await db.refusedCallCount.findMany({ where: { tokenId: token.id }, select: { minute: true } })).toEqual([{ minute: cutoff }]);
    // The rollups of the deleted rows stay (charts, top lists, scopes used), except those past the rollup retention.
    expect(await db.usageDaily.findUnique({ where: { tokenId_day: { tokenId: token.id, day: oldDay } } })).toMatchObject({
      requests: expect.any(Number),
    });
    expect(await db.usageDaily.count({ where: { tokenId: token.id, day: { lt: retentionCutoff(now, 400) } } })).toBe(0);
    expect(await db.usageHourly.count({ where: { tokenId: token.id, hour: { lt: retentionCutoff(now, 400) } } })).toBe(0);
    expect(await db.usageBreakdownDaily.count({ where: { tokenId: token.id, day: { lt: retentionCutoff(now, 400) } } })).toBe(0);
    expect(await db.usageOrgHourly.count({ where: { orgId: token.orgId, hour: { lt: retentionCutoff(now, 400) } } })).toBe(0);
    expect(await db.usageHourly.count({ where: { tokenId: token.id } })).toBeGreaterThan(0);
    expect(await db.usageBreakdownDaily.count({ where: { tokenId: token.id, day: oldDay } })).toBe(3); // route, IP, user agent

    // A second pass finds nothing left to do.
    const again = await pruneUsage(db, { ...DEFAULTS, now, batchRows: 5 });
    expect([again.usageEvents, again.refusedCallCounts, again.rollups]).toEqual([0, 0, 0]);
  });

  it("keeps charts, last use and the scopes used of a token whose calls are past the raw retention", async () => {
    const now = new Date(Date.UTC(1993, 5, 15, 12));
    const token = await usageToken("retained", new Date(now.getTime() - 60 * DAY_MS));
    const calls: UsageEventRow[] = [
      ...Array.from({ length: 6 }, (_, i) =>
        usageRow(token, { at: new Date(now.getTime() - (10 + i) * DAY_MS), route: "/v0/report/list" }),
      ),
      usageRow(token, { at: new Date(now.getTime() - 20 * DAY_MS), route: "/v0/report/upload", method: "PUT", status: 403 }),
    ];
    await insertUsageWithRollups(db, calls);
    const row = { ...token, scopes: ["report:list", "report:write"] as const, createdAt: new Date(now.getTime() - 60 * DAY_MS) };
    const settings = {
      ...row,
      scopes: [...row.scopes],
      quotaMax: 1_000,
      quotaRemaining: 1_000,
      quotaWindow: "MONTHLY" as const,
      quotaResetAt: now,
    };
    const before = await getTokenUsage(settings, now);
    const log = () => listTokenRequests(token.id, requestLogParamsSchema.parse({}));
    expect((await log()).total).toBe(7);

    await pruneUsage(db, { ...DEFAULTS, usageDays: 7, now });

    expect(await eventIds(token.id)).toEqual([]);
    expect((await log()).total).toBe(0);
    const after = await getTokenUsage(settings, now);
    expect(after).toEqual(before);
    expect(after.totals.last30d.requests).toBe(7);
    expect(after.top.routes[0]).toMatchObject({ value: "GET /v0/report/list", requests: 6, lastAt: calls[0].at });
    // The refused upload did not use report:write: narrowing to report:list is still suggested.
    expect((await getTokenScopeUsage(settings, now)).suggestion).toEqual(["report:list"]);
  });

  it("runs once at a time: two servers pruning together delete each row once, without errors", async () => {
    const now = new Date(Date.UTC(1996, 5, 15, 12));
    const token = await usageToken("twoservers", new Date(Date.UTC(1995, 0, 1)));
    const old = Array.from({ length: 40 }, (_, i) => usageRow(token, { at: new Date(now.getTime() - (40 + i) * DAY_MS) }));
    const kept = [usageRow(token, { at: now })];
    await insertUsageWithRollups(db, [...old, ...kept]);
    const [first, second] = [createDb(target), createDb(target)];
    try {
      const outcomes = await Promise.all(
        [first, second].map((server) => runUsageRetention(target, server, { ...DEFAULTS, now, batchRows: 3 })),
      );
      const deleted = outcomes.reduce((total, outcome) => total + (outcome.acquired ? outcome.value.usageEvents : 0), 0);
      expect(deleted).toBe(40);
      expect(await eventIds(token.id)).toEqual([kept[0].requestId]);
    } finally {
      await Promise.all([first.$disconnect(), second.$disconnect()]);
    }
  });

  it("skips a run while one is already going in the same process", async () => {
    const server = createDb(target);
    try {
      const options = { ...DEFAULTS, now: new Date(Date.UTC(1996, 6, 1)) };
      const [a, b] = await Promise.all([runUsageRetention(target, server, options), runUsageRetention(target, server, options)]);
      expect([a.acquired, b.acquired]).toEqual([true, false]);
    } finally {
      await server.$disconnect();
    }
  });
});
