import { describe, expect, it } from "vitest";
import { actionLabel, describeDetails } from "./describe-event";

describe("audit event descriptions", () => {
  it("shows before and after of each changed field", () => {
    expect(
      describeDetails("token.updated", {
        changes: {
          scopes: { before: ["report:read"], after: ["report"] },
          visibility: { before: "ADMIN_ONLY", after: "ORGANIZATION" },
          expiresAt: { before: null, after: "2030-01-31T23:59:59.999Z" },
          quotaMax: { before: 1000, after: 50000 },
        },
      }),
    ).toEqual([
      "scopes: report:read → report",
      "visibility: admin only → organization members",
      "expiry: none → 2030-01-31 23:59 UTC",
      "quota: 1,000 → 50,000",
    ]);
  });

  it("says which networks a token may be used from, and that none listed means any address", () => {
    expect(describeDetails("token.updated", { changes: { allowedNetworks: { before: [], after: ["203.0.113.0/24", "2001:db8::/32"] } } })).toEqual([
      "allowed networks: any address → 203.0.113.0/24 2001:db8::/32",
    ]);
    expect(describeDetails("token.updated", { changes: { allowedNetworks: { before: ["10.0.0.0/8"], after: [] } } })).toEqual([
      "allowed networks: 10.0.0.0/8 → any address",
    ]);
    expect(describeDetails("token.created", { scopes: [], allowedNetworks: ["10.0.0.0/8"] })).toEqual(["scopes: no scopes", "allowed networks: 10.0.0.0/8"]);
  });

  it("describes rotation grace and reveals", () => {
    expect(describeDetails("token.rotated", { graceSeconds: 0 })).toEqual(["old value stopped at once"]);
    expect(describeDetails("token.rotated", { graceSeconds: 86_400 })).toEqual(["old value kept working for 24 hours"]);
    expect(describeDetails("token.revealed", { lastFour: "AbC1" })).toEqual(["value ending …AbC1"]);
  });

  it("names a rotation's new value by last four and hash prefix, and its bulk operation", () => {
    expect(
      describeDetails("token.rotated", {
        graceSeconds: 3600,
        lastFour: { before: "AAAA", after: "BbB2" },
        newValue: { id: "v", hashPrefix: "0123456789ab" },
        incidentId: "8f1e2d3c-0000-4000-8000-000000000000",
      }),
    ).toEqual(["bulk operation 8f1e2d3c", "old value kept working for 1 hour", "new value …BbB2 (sha256 0123456789ab…)"]);
    expect(actionLabel("token.leak_reported")).toBe("Token reported leaked");
  });

  it("falls back to the raw action name for actions it does not know", () => {
    expect(actionLabel("token.rotated")).toBe("Token rotated");
    expect(actionLabel("member.removed")).toBe("member.removed");
    expect(describeDetails("member.removed", {})).toEqual([]);
  });
});
