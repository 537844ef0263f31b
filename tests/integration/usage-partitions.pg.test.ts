import { describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import { isUsagePartitioned, usagePartitions } from "@/lib/db/usage-partitions";
import { pruneUsage } from "@/lib/db/usage-retention";
import { insertUsageWithRollups } from "@/lib/db/usage-rollups";

import { usageEventIds as eventIds, usageRow, retentionTestToken as usageToken } from "../support/usage";

// PostgreSQL only (UsageEvent is partitioned by month there): the retention job creates the coming
// months' partitions and drops whole months past the retention. Like usage-retention.test.ts, it
// lives in its own past (2001), so it only creates and drops that year's partitions.

const DEFAULTS = { usageDays: 30, rollupDays: 400, pauseMs: 0 };

describe("usage partitions on PostgreSQL", () => {
  it("creates the coming months' partitions and drops months past the retention", async () => {
    expect(await isUsagePartitioned(db)).toBe(true);
    const january = new Date(Date.UTC(2001, 0, 10));
    const token = await usageToken("partitions", new Date(Date.UTC(2000, 0, 1)));
    // Written before January's partition exists: they wait in the default partition.
    const early = usageRow(token, { at: new Date(Date.UTC(2001, 0, 2)) });
    await insertUsageWithRollups(db, [early]);

    const first = await pruneUsage(db, { ...DEFAULTS, now: january });
    expect(first.partitions.created).toEqual(["UsageEvent_p200101", "UsageEvent_p200102", "UsageEvent_p200103"]);
    const late = usageRow(token, { at: new Date(Date.UTC(2001, 1, 20)) });
    await insertUsageWithRollups(db, [late, usageRow(token, { at: new Date(Date.UTC(2001, 0, 20)) })]);
    const inPartition = async (name: string) =>
      Number((await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT COUNT(*) AS n FROM "${name}" WHERE "tokenId" = $1`, token.id))[0].n);
    expect(await inPartition("UsageEvent_p200101")).toBe(2); // the early row moved out of the default partition
    expect(await inPartition("UsageEvent_p200102")).toBe(1);

    // On 20 March the 30-day retention starts on 19 February: January goes whole, February stays.
    const march = await pruneUsage(db, { ...DEFAULTS, now: new Date(Date.UTC(2001, 2, 20)) });
    expect(march.partitions.dropped).toEqual(["UsageEvent_p200101"]);
    expect(march.partitions.created).toEqual(["UsageEvent_p200104", "UsageEvent_p200105"]);
    expect((await usagePartitions(db)).filter((name) => name.startsWith("UsageEvent_p2001"))).toEqual([
      "UsageEvent_p200102",
      "UsageEvent_p200103",
      "UsageEvent_p200104",
      "UsageEvent_p200105",
    ]);
    expect(await eventIds(token.id)).toEqual([late.requestId]);
    // January's rollups outlive its partition.
    expect(await db.usageDaily.count({ where: { tokenId: token.id, day: { lt: new Date(Date.UTC(2001, 1, 1)) } } })).toBe(2);
  });
});
