import type { UsageRow } from "@/lib/api/store";

/** A successful GET /v0/quota usage row; `overrides` names what a test cares about. */
export function sampleUsageRow(overrides: Partial<UsageRow> = {}): UsageRow {
  return {
    requestId: `sample-${Math.random().toString(36).slice(2)}`,
    tokenId: "token",
    valueId: null,
    orgId: "org",
    at: Date.now(),
    method: "GET",
    route: "/v0/quota",
    status: 200,
    ip: null,
    userAgent: null,
    cost: 0,
    ...overrides,
  };
}
