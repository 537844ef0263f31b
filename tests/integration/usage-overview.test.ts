import { beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import { getOrgUsageOverview } from "@/lib/db/queries/usage";
import { DAY_MS, insertUsageWithRollups, recentWindowFirstDay } from "@/lib/db/usage-rollups";

import { createTestOrg } from "../support/request-as";
import { insertUsageTestToken, usageRow } from "../support/usage";

// The org overview against a small known org: top tokens over the rolling 30-day window (kept
// by the writers, moved as days pass), tokens near their quota, idle for 30/90 days, expiring
// within 7 days — and members see only organization-visible tokens in the lists.

const T = new Date(Date.UTC(2031, 0, 20, 12));
const daysAgo = (n: number, from = T) => new Date(from.getTime() - n * DAY_MS);

let orgId: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  ({
    org: { id: orgId },
  } = await createTestOrg("overview"));
  const make = async (name: string, visibility: "ORGANIZATION" | "ADMIN_ONLY", createdAt = daysAgo(1)) => {
    const token = await insertUsageTestToken(orgId, { name, visibility, createdAt });
    ids[name] = token.id;
    return token;
  };
  const shared = await make("shared", "ORGANIZATION");
  const hidden = await make("hidden", "ADMIN_ONLY");
  await make("idle-never", "ORGANIZATION", daysAgo(100));
  await make("idle-40", "ADMIN_ONLY", daysAgo(200));
  await make("near-quota", "ORGANIZATION");
  await make("revoked-near-quota", "ORGANIZATION");
  await make("expiring", "ADMIN_ONLY");
  await db.apiToken.update({ where: { id: ids["idle-40"] }, data: { lastUsedAt: daysAgo(40) } });
  for (const name of ["near-quota", "revoked-near-quota"]) {
    await db.apiToken.update({
      where: { id: ids[name] },
      data: { quotaMax: 100, quotaRemaining: 5, quotaResetAt: new Date(T.getTime() + DAY_MS) },
    });
  }
  await db.apiToken.update({ where: { id: ids["revoked-near-quota"] }, data: { status: "REVOKED" } });
  await db.apiToken.update({ where: { id: ids.expiring }, data: { expiresAt: new Date(T.getTime() + 3 * DAY_MS) } });
  // The active tokens above were "used" recently enough to be left out of the idle lists.
  await db.apiToken.updateMany({
    where: { id: { in: [ids.shared, ids.hidden, ids["near-quota"], ids.expiring] } },
    data: { lastUsedAt: daysAgo(1) },
  });

  const at = (token: typeof shared, date: Date, count: number) =>
    Array.from({ length: count }, (_, i) => usageRow(token, { at: new Date(date.getTime() + i * 1000) }));
  await insertUsageWithRollups(db, [...at(shared, daysAgo(40), 5), ...at(shared, daysAgo(10), 10), ...at(hidden, daysAgo(1), 20)]);
});

describe("the org usage overview", () => {
  it("ranks tokens by calls in the last 30 days, naming only tokens the viewer may see", async () => {
    const admin = await getOrgUsageOverview(orgId, "ADMIN", T);
    expect(admin.topTokens.map((t) => [t.name, t.requests])).toEqual([
      ["hidden", 20],
      ["shared", 10],
    ]);
    const member = await getOrgUsageOverview(orgId, "MEMBER", T);
    expect(member.topTokens.map((t) => [t.name, t.requests])).toEqual([["shared", 10]]);
    // Request counts cover the whole org.
    expect(member.totals.last30d.requests).toBe(30);
  });

  it("counts new calls as they are written, and drops days as the window moves past them", async () => {
    const shared = { id: ids.shared, orgId, valueId: (await db.apiTokenValue.findFirstOrThrow({ where: { tokenId: ids.shared } })).id };
    await insertUsageWithRollups(db, [usageRow(shared, { at: T }), usageRow(shared, { at: T }), usageRow(shared, { at: T })]);
    expect((await getOrgUsageOverview(orgId, "ADMIN", T)).topTokens.map((t) => [t.name, t.requests])).toEqual([
      ["hidden", 20],
      ["shared", 13],
    ]);

    // 25 days later the window starts 4 days before T: the calls of T−10 have left it.
    const later = new Date(T.getTime() + 25 * DAY_MS);
    const moved = await getOrgUsageOverview(orgId, "ADMIN", later);
    expect(moved.topTokens.map((t) => [t.name, t.requests])).toEqual([
      ["hidden", 20],
      ["shared", 3],
    ]);
    // The same as adding up the per-day rollup over the window.
    const recount = await db.usageDaily.groupBy({
      by: ["tokenId"],
      where: { orgId, day: { gte: new Date(recentWindowFirstDay(later)) } },
      _sum: { requests: true },
    });
    expect(Object.fromEntries(recount.map((r) => [r.tokenId, r._sum.requests]))).toEqual({ [ids.hidden]: 20, [ids.shared]: 3 });

    // Far later nothing is left, and going back in time recomputes rather than trusting old totals.
    expect((await getOrgUsageOverview(orgId, "ADMIN", new Date(T.getTime() + 90 * DAY_MS))).topTokens).toEqual([]);
    expect((await getOrgUsageOverview(orgId, "ADMIN", T)).topTokens.map((t) => t.requests)).toEqual([20, 13]);
  });

  it("lists live tokens near their quota, idle for 30/90 days, and expiring within 7 days", async () => {
    const admin = await getOrgUsageOverview(orgId, "ADMIN", T);
    expect(admin.nearQuota).toMatchObject({ total: 1, tokens: [{ name: "near-quota", remaining: 5, max: 100 }] });
    expect(admin.unused).toMatchObject({ days30: 2, days90: 1 });
    expect(admin.unused.tokens.map((t) => t.name)).toEqual(["idle-never", "idle-40"]);
    expect(admin.expiring).toMatchObject({ total: 1, tokens: [{ name: "expiring" }] });

    const member = await getOrgUsageOverview(orgId, "MEMBER", T);
    expect(member.unused).toMatchObject({ days30: 1, days90: 1 });
    expect(member.unused.tokens.map((t) => t.name)).toEqual(["idle-never"]);
    expect(member.expiring.total).toBe(0);
    expect(member.nearQuota.total).toBe(1);
  });
});
