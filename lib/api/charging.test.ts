import { describe, expect, it } from "vitest";

import { MAX_CHARGE_ATTEMPTS, reloadAfterMiss, unchargedRefusal, whyUncharged, type Call, type UsageLog } from "./charging";
import type { ApiStore, TokenRecord } from "./store";
import { TokenCache } from "./token-cache";
import type { UsageRecorder } from "./usage-recorder";

const NOW = Date.UTC(2026, 11, 6, 12);
const token: TokenRecord = {
  tokenId: "t1",
  valueId: "v1",
  orgId: "o1",
  name: "ci",
  scopes: "",
  status: "ACTIVE",
  expiresAt: null,
  validUntil: null,
  version: 3,
  quotaWindow: "HOURLY",
  quotaMax: 100,
  quotaRemaining: 0,
  quotaResetAt: NOW + 60_000,
  allowedNetworks: "",
  serviceScopes: "",
};
const call: Call = { now: NOW, method: "GET", route: "/v0/quota", ip: "10.0.0.1", userAgent: null };

function fakeLog() {
  const rows: { status: number; cost: number }[] = [];
  const refusals: string[] = [];
  const recorder = {
    record: (row: { status: number; cost: number }) => rows.push(row),
    recordRefusal: (r: { reason: string }) => refusals.push(r.reason),
  };
  const log: UsageLog = { recorder: recorder as unknown as UsageRecorder };
  return { log, rows, refusals };
}

describe("whyUncharged: why a charge matched no row, on a fresh read of the token", () => {
  it("refuses a token that is gone, revoked or expired since it was cached", () => {
    expect(whyUncharged(token, null, false, 1, 1, NOW)).toBe("unusable");
    expect(whyUncharged(token, { ...token, status: "REVOKED", version: 4 }, false, 1, 1, NOW)).toBe("unusable");
    expect(whyUncharged(token, { ...token, expiresAt: NOW }, false, 1, 1, NOW)).toBe("unusable");
  });

  it("retries when the token or the service changed, or the call was free (no quota refuses it)", () => {
    expect(whyUncharged(token, { ...token, version: 4 }, false, 1, 1, NOW)).toBe("retry");
    expect(whyUncharged(token, token, true, 1, 1, NOW)).toBe("retry");
    expect(whyUncharged(token, token, false, 0, 1, NOW)).toBe("retry");
  });

  it("answers busy once the attempts are spent", () => {
    expect(whyUncharged(token, { ...token, version: 4 }, false, 1, MAX_CHARGE_ATTEMPTS - 1, NOW)).toBe("retry");
    expect(whyUncharged(token, { ...token, version: 4 }, false, 1, MAX_CHARGE_ATTEMPTS, NOW)).toBe("busy");
  });

  it("refuses for quota only when the same token, unchanged, was charged a cost", () => {
    expect(whyUncharged(token, { ...token }, false, 1, 1, NOW)).toBe("quota");
  });
});

describe("reloadAfterMiss: the gateway's and POST /v1/verify's reload after a charge matched no row", () => {
  // The database as the reload finds it: the token (or none) and the service (or none).
  function reloads(stored: TokenRecord | null, service: { version: number } | null) {
    const reads: string[] = [];
    const tokens = new TokenCache({
      findTokenByHash: async (hash: string) => {
        reads.push(`token ${hash}`);
        return stored;
      },
    } as unknown as ApiStore);
    const reloadService = async () => {
      reads.push("service");
      return service;
    };
    return { tokens, reloadService, reads };
  }
  const missed = (attempt = 1, cost = 1) => ({ token, service: { version: 5 }, cost, attempt, now: NOW });

  it("reads the token and the service afresh, re-caching the token, and hands back the fresh copies", async () => {
    const { tokens, reloadService, reads } = reloads({ ...token, version: 4 }, { version: 5 });
    const after = await reloadAfterMiss(tokens, "h1", reloadService, missed());
    expect(reads.sort()).toEqual(["service", "token h1"]);
    expect(after).toMatchObject({ why: "retry", token: { version: 4, fromCache: false }, service: { version: 5 } });
    expect(tokens.peek("h1")).toMatchObject({ version: 4, fromCache: true });
  });

  it("retries when only the service changed or is gone (the caller then refuses it as missing)", async () => {
    const changed = reloads(token, { version: 6 });
    expect((await reloadAfterMiss(changed.tokens, "h", changed.reloadService, missed())).why).toBe("retry");
    const gone = reloads(token, null);
    expect(await reloadAfterMiss(gone.tokens, "h", gone.reloadService, missed())).toMatchObject({ why: "retry", service: null });
  });

  it("refuses a token revoked meanwhile on every attempt, the last included; busy only when still changing after the last", async () => {
    const revoked = reloads({ ...token, status: "REVOKED", version: 4 }, { version: 5 });
    for (const attempt of [1, MAX_CHARGE_ATTEMPTS]) {
      expect((await reloadAfterMiss(revoked.tokens, "h", revoked.reloadService, missed(attempt))).why).toBe("unusable");
    }
    const changing = reloads({ ...token, version: 4 }, { version: 5 });
    expect((await reloadAfterMiss(changing.tokens, "h", changing.reloadService, missed(MAX_CHARGE_ATTEMPTS))).why).toBe("busy");
  });

  it("is the quota when nothing changed and the call had a cost", async () => {
    const same = reloads(token, { version: 5 });
    expect((await reloadAfterMiss(same.tokens, "h", same.reloadService, missed())).why).toBe("quota");
    expect((await reloadAfterMiss(same.tokens, "h", same.reloadService, missed(1, 0))).why).toBe("retry");
  });
});

describe("unchargedRefusal: the HTTP refusal of /v0/ and the gateway, recorded", () => {
  it("a bad token is a 401 counted with its reason (nothing counted for an unknown one)", () => {
    const { log, rows, refusals } = fakeLog();
    expect(unchargedRefusal(log, call, { ...token, status: "REVOKED" }, "unusable").status).toBe(401);
    expect(unchargedRefusal(log, call, null, "unusable").status).toBe(401);
    expect(refusals).toEqual(["revoked"]);
    expect(rows).toEqual([]);
  });

  it("busy is a 503 with a free usage row; a spent quota a 429 counted as quota, with the quota's reset", () => {
    const { log, rows, refusals } = fakeLog();
    expect(unchargedRefusal(log, call, token, "busy").status).toBe(503);
    expect(rows).toMatchObject([{ status: 503, cost: 0 }]);
    const quota = unchargedRefusal(log, call, token, "quota");
    expect(quota.status).toBe(429);
    expect(refusals).toEqual(["quota"]);
    expect(rows).toHaveLength(1);
  });
});
