import { describe, expect, it } from "vitest";

import { MAX_CHARGE_ATTEMPTS, unchargedRefusal, whyUncharged, type Call, type UsageLog } from "./charging";
import type { TokenRecord } from "./store";
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
