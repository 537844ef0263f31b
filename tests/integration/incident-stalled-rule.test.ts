import { describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import { isStalled, LEASE_MS, stalledWhere } from "@/lib/domain/incidents/policy";

import { createTestOrg } from "../support/request-as";

// "Has this bulk operation stalled?" is one rule in two forms: in memory (the dashboard, a manual
// resume) and as a Prisma where (the background sweeper). Both must choose the same incidents.

describe("the stalled-incident rule", () => {
  it("chooses the same incidents in memory and in the database", async () => {
    const { org } = await createTestOrg("stalled-rule");
    const now = new Date();
    const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);
    const cases = [
      { label: "lease lapsed", status: "RUNNING", leaseUntil: at(-1), createdAt: at(-60_000) },
      { label: "lease held", status: "RUNNING", leaseUntil: at(5_000), createdAt: at(-60_000) },
      { label: "never claimed, old", status: "RUNNING", leaseUntil: null, createdAt: at(-LEASE_MS - 1) },
      { label: "never claimed, new", status: "RUNNING", leaseUntil: null, createdAt: at(-1_000) },
      { label: "completed, lease lapsed", status: "COMPLETED", leaseUntil: at(-60_000), createdAt: at(-120_000) },
      { label: "completed, never claimed", status: "COMPLETED", leaseUntil: null, createdAt: at(-120_000) },
    ] as const;
    const ids = new Map<string, string>();
    for (const c of cases) {
      const incident = await db.incident.create({
        data: {
          orgId: org.id,
          createdByLabel: "test",
          action: "ROTATE",
          total: 0,
          status: c.status,
          leaseUntil: c.leaseUntil,
          createdAt: c.createdAt,
        },
      });
      ids.set(incident.id, c.label);
    }
    const inMemory = cases.filter((c) => isStalled(c, now)).map((c) => c.label);
    const rows = await db.incident.findMany({ where: { ...stalledWhere(now), orgId: org.id }, select: { id: true } });
    expect(rows.map((row) => ids.get(row.id)).sort()).toEqual([...inMemory].sort());
    expect(inMemory.sort()).toEqual(["lease lapsed", "never claimed, old"]);
  });
});
