import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createApiStore } from "@/lib/api/create-store";
import { getQuota } from "@/lib/api/routes/account";
import type { ApiStore, ChargeResult } from "@/lib/api/store";
import { db } from "@/lib/db/client";
import { resolveDatabaseTarget } from "@/lib/db/database-url";
import { getTokenForViewer, listTokens } from "@/lib/db/queries/tokens";
import { getTokenUsage } from "@/lib/db/queries/usage";
import { createToken, type TokenActor } from "@/lib/db/token-mutations";
import { nextQuotaReset, QUOTA_WINDOWS, quotaAt, type QuotaWindow } from "@/lib/domain/tokens/quota";
import { tokenListParamsSchema } from "@/lib/validations/token";

import { createTestOrg } from "../support/request-as";

// "A quota window that has ended counts as full" is written twice: quotaAt (every page and
// answer) and the charge statements' SQL (the one write of an API call). These tests hold the
// SQL, through the real store on this run's database, to the function.

const HOUR = 3_600_000;
const NOW = new Date(Math.floor(Date.now() / HOUR) * HOUR + 17 * 60_000 + 123);
const MAX = 10;

let store: ApiStore;
let org: Awaited<ReturnType<typeof createTestOrg>>;
let actor: TokenActor;

beforeAll(async () => {
  store = createApiStore(resolveDatabaseTarget(process.env.DATABASE_URL));
  org = await createTestOrg("quota");
  actor = { kind: "user", userId: org.admin.id, label: org.admin.email, ip: "192.0.2.1", userAgent: null };
});
afterAll(async () => {
  await store.close();
});

async function tokenWithStoredQuota(window: QuotaWindow, remaining: number, resetAt: Date) {
  const { token } = await createToken(actor, org.org.id, {
    name: `quota ${window} ${remaining} ${resetAt.toISOString()}`,
    scopes: ["report:read"],
    visibility: "ORGANIZATION",
    quotaMax: MAX,
    quotaWindow: window,
    expiresAt: null,
  });
  return db.apiToken.update({ where: { id: token.id }, data: { quotaRemaining: remaining, quotaResetAt: resetAt } });
}

const storedResets = {
  "ended days ago": new Date(NOW.getTime() - 5 * 24 * HOUR),
  "ending exactly now": NOW,
  "open for a minute more": new Date(NOW.getTime() + 60_000),
};

describe("the charge statement and quotaAt agree", () => {
  const cases = QUOTA_WINDOWS.flatMap((window) =>
    Object.entries(storedResets).flatMap(([when, resetAt]) =>
      [0, 3, MAX].flatMap((remaining) => [0, 1, 4].map((cost) => ({ window, when, resetAt, remaining, cost }))),
    ),
  );

  it.each(cases)("$window window $when, $remaining stored, cost $cost", async ({ window, resetAt, remaining, cost }) => {
    const before = await tokenWithStoredQuota(window, remaining, resetAt);
    const expected = quotaAt(before, NOW);
    const result = await store.charge({
      tokenId: before.id,
      version: before.version,
      cost,
      now: NOW.getTime(),
      nextResetAt: nextQuotaReset(window, NOW).getTime(),
    });
    const after = await db.apiToken.findUniqueOrThrow({ where: { id: before.id } });

    if (expected.remaining < cost) {
      // Refused: the row is untouched, and the function still says what it said.
      expect(result).toBeNull();
      expect(after.quotaRemaining).toBe(before.quotaRemaining);
      expect(quotaAt(after, NOW)).toEqual(expected);
      return;
    }
    // The charge leaves the row the function described, less the cost…
    expect(result).toMatchObject({ remaining: expected.remaining - cost, max: expected.max, resetAt: expected.resetsAt.getTime() });
    expect({ remaining: after.quotaRemaining, resetAt: after.quotaResetAt }).toEqual({
      remaining: expected.remaining - cost,
      resetAt: expected.resetsAt,
    });
    // …so a free call changes nothing the dashboard shows,
    if (cost === 0) expect(quotaAt(after, NOW)).toEqual(expected);
    // and the API's /v0/quota answer (built from the charge's result) is the function's answer.
    const answer = getQuota({ quota: result as ChargeResult } as Parameters<typeof getQuota>[0]);
    expect((answer as { body: unknown }).body).toEqual({
      quota: expected.remaining - cost,
      maxQuota: expected.max,
      nextWindowRefresh: expected.resetsAt.toISOString(),
    });
  });
});

describe("a token whose window has ended", () => {
  it("shows one quota in the tokens table, the token page header and its usage section: full, resetting ahead", async () => {
    const token = await tokenWithStoredQuota("DAILY", 2, new Date(NOW.getTime() - 5 * 24 * HOUR));
    const [page, view] = await Promise.all([
      listTokens(org.org.id, "ADMIN", tokenListParamsSchema.parse({ q: token.id }), NOW),
      getTokenForViewer(org.org.id, "ADMIN", token.id, NOW),
    ]);
    const usage = await getTokenUsage(view!, NOW);
    const full = { remaining: MAX, max: MAX, window: "DAILY", resetsAt: nextQuotaReset("DAILY", NOW) };
    expect(page.rows.map((row) => row.quota)).toEqual([full]);
    expect(view!.quota).toEqual(full);
    expect(usage.quota).toEqual(full);
  });
});

describe("charges on one token issued together", () => {
  // Issued in one turn of the event loop: the SQLite store decides them in one transaction, in
  // the order issued (and may combine them into one statement); PostgreSQL runs them side by side,
  // in any order. Either way each must get what it would have got alone, one after the other.
  type Call = { cost: number; now: number };
  const open = new Date(NOW.getTime() + 60_000);

  /** What each call gets when the calls run one at a time in `order` (the rule of quotaAt). */
  function oneAtATime(stored: { remaining: number; resetAt: number }, calls: Call[], order: number[]) {
    let { remaining, resetAt } = stored;
    const results: (number | null)[] = calls.map(() => null);
    for (const index of order) {
      const { cost, now } = calls[index];
      if (resetAt <= now) [remaining, resetAt] = [MAX, nextQuotaReset("DAILY", new Date(now)).getTime()];
      if (remaining >= cost) results[index] = remaining -= cost;
    }
    return results;
  }
  const orders = (n: number): number[][] =>
    n === 0
      ? [[]]
      : orders(n - 1).flatMap((order) => Array.from({ length: n }, (_, at) => [...order.slice(0, at), n - 1, ...order.slice(at)]));

  async function chargeTogether(stored: { remaining: number; resetAt: Date }, calls: Call[]) {
    const token = await tokenWithStoredQuota("DAILY", stored.remaining, stored.resetAt);
    const results = await Promise.all(
      calls.map(({ cost, now }) =>
        store.charge({
          tokenId: token.id,
          version: token.version,
          cost,
          now,
          nextResetAt: nextQuotaReset("DAILY", new Date(now)).getTime(),
        }),
      ),
    );
    const remaining = results.map((result) => result?.remaining ?? null);
    const start = { remaining: stored.remaining, resetAt: stored.resetAt.getTime() };
    if (store.provider === "sqlite") {
      expect(remaining).toEqual(
        oneAtATime(
          start,
          calls,
          calls.map((_, index) => index),
        ),
      );
    } else {
      const possible = orders(calls.length).map((order) => oneAtATime(start, calls, order));
      expect(possible).toContainEqual(remaining);
    }
    const after = await db.apiToken.findUniqueOrThrow({ where: { id: token.id } });
    return { remaining, after };
  }

  it("takes each charge in turn: each sees the quota left after those before it", async () => {
    const now = NOW.getTime();
    const { remaining, after } = await chargeTogether({ remaining: 10, resetAt: open }, [
      { cost: 1, now },
      { cost: 2, now },
      { cost: 3, now: now + 1 },
    ]);
    expect(after.quotaRemaining).toBe(4);
    if (store.provider === "sqlite") expect(remaining).toEqual([9, 7, 4]);
    // A charge records no use: the token's last use comes with its usage rows.
    expect(after.lastUsedAt).toBeNull();
  });

  it("refuses exactly the charges the quota no longer covers, and still charges the free ones", async () => {
    const now = NOW.getTime();
    const { remaining, after } = await chargeTogether({ remaining: 5, resetAt: open }, [
      { cost: 2, now },
      { cost: 2, now },
      { cost: 2, now },
      { cost: 0, now },
    ]);
    expect(remaining.filter((left) => left === null)).toHaveLength(1);
    expect(after.quotaRemaining).toBe(1);
  });

  it("refills an ended window once", async () => {
    const now = NOW.getTime();
    const { remaining, after } = await chargeTogether({ remaining: 0, resetAt: new Date(NOW.getTime() - 5 * 24 * HOUR) }, [
      { cost: 1, now },
      { cost: 1, now: now + 2 },
    ]);
    expect([...remaining].sort()).toEqual([MAX - 2, MAX - 1]);
    expect(after.quotaResetAt).toEqual(nextQuotaReset("DAILY", NOW));
  });

  it("charges a call before the window's end from the old window and one after it from the refilled one", async () => {
    const now = NOW.getTime();
    const { after } = await chargeTogether({ remaining: 3, resetAt: NOW }, [
      { cost: 1, now: now - 1 },
      { cost: 1, now: now + 1 },
    ]);
    // In the order issued; run the other way round, both would come from the refilled window.
    if (store.provider === "sqlite") expect(after.quotaRemaining).toBe(MAX - 1);
  });
});
