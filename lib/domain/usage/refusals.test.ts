import { describe, expect, it } from "vitest";

import { RefusalTally, type RefusedCall } from "./refusals";

const call = (fields: Partial<RefusedCall> = {}): RefusedCall => ({
  tokenId: "t1",
  valueId: "v1",
  orgId: "o1",
  reason: "revoked",
  at: 120_000,
  method: "GET",
  route: "/v0/quota",
  ip: "203.0.113.1",
  userAgent: "cli/1",
  ...fields,
});

describe("RefusalTally", () => {
  it("counts alike calls of one minute as one group, and keeps the last call's time", () => {
    const tally = new RefusalTally();
    tally.add(call());
    tally.add(call({ at: 150_000 }));
    tally.add(call({ ip: "203.0.113.2" }));
    tally.add(call({ at: 130_000 }));
    tally.add(call({ at: 185_000 }));
    expect(tally.take().map((g) => [g.minute, g.ip, g.count, g.lastAt])).toEqual([
      [120_000, "203.0.113.1", 3, 150_000],
      [120_000, "203.0.113.2", 1, 120_000],
      [180_000, "203.0.113.1", 1, 185_000],
    ]);
    expect(tally.size).toBe(0);
  });

  it("adds groups put back after a failed write to those counted since", () => {
    const tally = new RefusalTally();
    tally.add(call());
    const failed = tally.take();
    tally.add(call());
    tally.restore(failed);
    expect(tally.take().map((g) => g.count)).toEqual([2]);
  });
});
