import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { ChargeBatcher } from "./charge-batcher";
import type { ChargeRequest, ChargeResult } from "./store";

// A token row as the guarded charge statement treats it: charged only at the caller's version and
// when the quota covers the cost; each statement answers a turn of the event loop later, as a
// database round trip would.
function fakeToken(quota: number) {
  const token = { remaining: quota, version: 1, statements: 0, failStatement: 0 };
  const chargeOnce = async (request: ChargeRequest): Promise<ChargeResult | null> => {
    const statement = ++token.statements;
    await new Promise((resolve) => setImmediate(resolve));
    if (statement === token.failStatement) throw new Error("connection lost");
    if (request.version !== token.version || token.remaining < request.cost) return null;
    token.remaining -= request.cost;
    return { remaining: token.remaining, max: quota, resetAt: request.nextResetAt };
  };
  return { token, batcher: new ChargeBatcher(chargeOnce) };
}

const call = (cost: number, overrides: Partial<ChargeRequest> = {}): ChargeRequest => ({
  tokenId: "t1",
  version: 1,
  cost,
  now: 1_000,
  nextResetAt: 2_000,
  ...overrides,
});

describe("charges coalesced per token", () => {
  it("grants exactly the quota to 10× as many concurrent calls, each told a different amount left", async () => {
    const { token, batcher } = fakeToken(50);
    const results = await Promise.all(Array.from({ length: 500 }, () => batcher.charge(call(1))));
    const granted = results.filter((result) => result !== null);
    expect(granted).toHaveLength(50);
    expect(token.remaining).toBe(0);
    expect(new Set(granted.map((result) => result!.remaining))).toEqual(new Set(Array.from({ length: 50 }, (_, i) => i)));
    // The point of coalescing: far fewer statements than calls.
    expect(token.statements).toBeLessThan(100);
  });

  it("never charges a service's call and a /v0/ call (or two services' calls) in one statement: each keeps its own guards", async () => {
    const seen: ChargeRequest[] = [];
    const batcher = new ChargeBatcher(async (request) => {
      seen.push(request);
      await new Promise((resolve) => setImmediate(resolve));
      return { remaining: 100, max: 100, resetAt: request.nextResetAt };
    });
    const billing = { id: "billing", version: 1 };
    await Promise.all([
      batcher.charge(call(1)),
      batcher.charge(call(1)),
      batcher.charge(call(1, { service: billing })),
      batcher.charge(call(1, { service: billing })),
      batcher.charge(call(1, { service: { id: "billing", version: 2 } })),
      batcher.charge(call(1, { service: { id: "mail", version: 1 } })),
    ]);
    const statementsFor = (service: string) =>
      seen.filter((request) => (request.service ? `${request.service.id}@${request.service.version}` : "") === service);
    expect(statementsFor("").reduce((sum, request) => sum + request.cost, 0)).toBe(2);
    expect(statementsFor("billing@1").reduce((sum, request) => sum + request.cost, 0)).toBe(2);
    expect(statementsFor("billing@2")).toHaveLength(1);
    expect(statementsFor("mail@1")).toHaveLength(1);
  });

  it("answers the calls of one batch in arrival order, as if charged one after another", async () => {
    const { batcher } = fakeToken(100);
    const first = batcher.charge(call(2));
    const rest = Array.from({ length: 4 }, () => batcher.charge(call(2)));
    expect((await first)!.remaining).toBe(98);
    expect((await Promise.all(rest)).map((result) => result!.remaining)).toEqual([96, 94, 92, 90]);
  });

  it("charges each call on its own when the batch is more than the quota left, and refuses the rest", async () => {
    const { token, batcher } = fakeToken(7);
    await batcher.charge(call(2)); // 5 left
    const results = await Promise.all(Array.from({ length: 4 }, () => batcher.charge(call(2))));
    expect(results.map((result) => result?.remaining ?? null)).toEqual([3, 1, null, null]);
    expect(token.remaining).toBe(1);
  });

  it("refuses every waiting call once the token changed, and charges the new version", async () => {
    const { token, batcher } = fakeToken(100);
    const first = batcher.charge(call(1));
    const stale = Array.from({ length: 5 }, () => batcher.charge(call(1)));
    expect((await first)!.remaining).toBe(99);
    token.version = 2; // an admin's edit, committed before the waiting calls' statement runs
    expect(await Promise.all(stale)).toEqual([null, null, null, null, null]);
    expect((await batcher.charge(call(1, { version: 2 })))!.remaining).toBe(98);
    expect(token.remaining).toBe(98);
  });

  it("fails the calls whose statement failed, charges nothing for them, and serves the next call", async () => {
    const { token, batcher } = fakeToken(10);
    token.failStatement = 2; // the batch of the three calls waiting behind the first
    const first = batcher.charge(call(1));
    const waiting = Array.from({ length: 3 }, () => batcher.charge(call(1)));
    expect((await first)!.remaining).toBe(9);
    for (const each of waiting) await expect(each).rejects.toThrow("connection lost");
    expect(token.remaining).toBe(9);
    expect((await batcher.charge(call(1)))!.remaining).toBe(8);
  });

  it("never grants more than the quota, whatever the costs and the waves of calls (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 60 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 5 }),
        async (quota, waves) => {
          const { token, batcher } = fakeToken(quota);
          let granted = 0;
          for (const wave of waves) {
            const results = await Promise.all(wave.map((cost) => batcher.charge(call(cost)).then((result) => ({ cost, result }))));
            for (const { cost, result } of results) {
              if (result) granted += cost;
              // A refused call of some cost means the quota left is less than that cost.
              else expect(token.remaining).toBeLessThan(cost);
              if (result) expect(result.remaining).toBeGreaterThanOrEqual(0);
            }
          }
          expect(granted).toBe(quota - token.remaining);
          expect(token.remaining).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
