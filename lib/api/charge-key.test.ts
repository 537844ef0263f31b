import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { laneKey } from "./charge-batcher";
import { chargeStatementKey } from "./charge-key";
import type { ChargeRequest } from "./store";
import { sqliteChargeGroupKey } from "./store-sqlite";

// The SQLite store's groups and PostgreSQL's batcher lanes decide "may these charges share one
// statement?" with one shared rule; a store may split further (the batcher by cost and readOrg),
// never join what the rule keeps apart.

const base: ChargeRequest = {
  tokenId: "t1",
  version: 3,
  cost: 1,
  now: 1_000,
  nextResetAt: 86_400_000,
  readOrg: false,
  service: { id: "s1", version: 7 },
};

const sharesSqliteStatement = (a: ChargeRequest, b: ChargeRequest) => sqliteChargeGroupKey(a) === sqliteChargeGroupKey(b);
const sharesPostgresLane = (a: ChargeRequest, b: ChargeRequest) => laneKey(a) === laneKey(b);

describe("which charges may share one charge statement", () => {
  it.each<[string, Partial<ChargeRequest>]>([
    ["another token", { tokenId: "t2" }],
    ["another token version", { version: 4 }],
    ["another quota window", { nextResetAt: 172_800_000 }],
    ["another service", { service: { id: "s2", version: 7 } }],
    ["another version of the same service", { service: { id: "s1", version: 8 } }],
    ["no service (a /v0/ call)", { service: undefined }],
  ])("never together in either store: %s", (_, change) => {
    const other = { ...base, ...change };
    expect(sharesSqliteStatement(base, other)).toBe(false);
    expect(sharesPostgresLane(base, other)).toBe(false);
  });

  it("together in both stores when only the call's own time differs", () => {
    const other = { ...base, now: 1_500 };
    expect(sharesSqliteStatement(base, other)).toBe(true);
    expect(sharesPostgresLane(base, other)).toBe(true);
  });

  it("the batcher's own parts: another cost or readOrg is another lane, the same SQLite group", () => {
    for (const change of [{ cost: 2 }, { readOrg: true }]) {
      expect(sharesSqliteStatement(base, { ...base, ...change })).toBe(true);
      expect(sharesPostgresLane(base, { ...base, ...change })).toBe(false);
    }
  });

  it("for any two charges: the SQLite group is the shared rule, and a lane never joins what the rule keeps apart", () => {
    const request = fc.record({
      tokenId: fc.constantFrom("t1", "t2"),
      version: fc.integer({ min: 1, max: 3 }),
      cost: fc.integer({ min: 0, max: 2 }),
      now: fc.integer({ min: 0, max: 10 }),
      nextResetAt: fc.constantFrom(100, 200),
      readOrg: fc.boolean(),
      service: fc.option(fc.record({ id: fc.constantFrom("s1", "s2"), version: fc.integer({ min: 1, max: 2 }) }), { nil: undefined }),
    });
    fc.assert(
      fc.property(request, request, (a, b) => {
        const shared = chargeStatementKey(a) === chargeStatementKey(b);
        expect(sharesSqliteStatement(a, b)).toBe(shared);
        if (!shared) expect(sharesPostgresLane(a, b)).toBe(false);
      }),
    );
  });
});
