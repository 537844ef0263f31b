import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { SCOPE_NAMES, scopesCovered, type Scope } from "../../tokens/scopes";
import {
  adminPowerRefusal,
  expiryWithin,
  managementRefusal,
  refusalOf,
  visibilityWithin,
  type ActingToken,
  type TokenGrant,
} from "./authority";
import { networksWithin } from "./networks";

const DAY = 24 * 3600_000;
const NOW = Date.UTC(2026, 11, 6);

const actor = (overrides: Partial<ActingToken> = {}): ActingToken => ({
  id: "actor",
  scopes: ["api-tokens", "report:read"],
  serviceScopes: ["billing/invoices:read"],
  quotaMax: 100,
  expiresAt: new Date(NOW + 30 * DAY),
  visibility: "ADMIN_ONLY",
  allowedNetworks: [],
  valueReplaced: false,
  actsForAnAdmin: true,
  ...overrides,
});

const grant = (overrides: Partial<TokenGrant> = {}): TokenGrant => ({
  scopes: ["report:read"],
  serviceScopes: [],
  quotaMax: 10,
  expiresAt: new Date(NOW + DAY),
  visibility: "ADMIN_ONLY",
  allowedNetworks: [],
  ...overrides,
});

describe("refusalOf", () => {
  it("refuses every management call made with a replaced value, or for a former admin, before anything else", () => {
    for (const change of [
      { kind: "create", grant: grant() },
      { kind: "revoke", target: { id: "actor", visibility: "ADMIN_ONLY" } },
    ] as const) {
      expect(refusalOf(actor({ valueReplaced: true }), change)?.rule).toBe("replaced-value");
      expect(refusalOf(actor({ actsForAnAdmin: false }), change)?.rule).toBe("former-admin");
    }
    expect(managementRefusal(actor())).toBeNull();
  });

  it("no self-widening: a token updating itself may narrow but not widen", () => {
    const self = actor();
    const target = { ...self, quotaWindow: "MONTHLY" };
    expect(refusalOf(self, { kind: "update", target, patch: { quotaMax: 1_000_000_000 } })?.rule).toBe("no-widening");
    expect(refusalOf(self, { kind: "update", target, patch: { expiresAt: null } })?.rule).toBe("no-widening");
    expect(refusalOf(self, { kind: "update", target, patch: { scopes: ["api-tokens", "report"] } })?.rule).toBe("no-widening");
    expect(refusalOf(self, { kind: "update", target, patch: { visibility: "ORGANIZATION" } })?.rule).toBe("no-widening");
    expect(refusalOf(self, { kind: "update", target, patch: { quotaWindow: "HOURLY" } })?.rule).toBe("no-widening");
    expect(refusalOf(self, { kind: "update", target, patch: { quotaMax: 50, expiresAt: new Date(NOW + DAY) } })).toBeNull();
    expect(refusalOf(self, { kind: "update", target, patch: { quotaMax: 100, scopes: ["report:read", "api-tokens"] } })).toBeNull();
  });

  it("an organization-visible token never touches an admin-only token, nor makes one", () => {
    const shared = actor({ visibility: "ORGANIZATION" });
    const hidden = { id: "t", ...grant({ visibility: "ADMIN_ONLY" }) };
    expect(refusalOf(shared, { kind: "rotate", target: hidden })?.rule).toBe("admin-only-target");
    expect(refusalOf(shared, { kind: "reveal", target: hidden })?.rule).toBe("admin-only-target");
    expect(refusalOf(shared, { kind: "revoke", target: hidden })?.rule).toBe("admin-only-target");
    expect(refusalOf(shared, { kind: "update", target: { ...hidden, quotaWindow: "MONTHLY" }, patch: { name: "x" } as never })?.rule).toBe(
      "admin-only-target",
    );
    expect(refusalOf(shared, { kind: "create", grant: grant({ visibility: "ADMIN_ONLY" }) })?.rule).toBe("admin-only-target");
    const visible = { id: "v", quotaWindow: "MONTHLY", ...grant({ visibility: "ORGANIZATION" }) };
    expect(refusalOf(shared, { kind: "update", target: visible, patch: { visibility: "ADMIN_ONLY" } })?.rule).toBe("admin-only-target");
    expect(refusalOf(shared, { kind: "revoke", target: { id: "actor", visibility: "ORGANIZATION" } })).toBeNull();
  });

  it("values only of tokens that can do no more than the caller; visibility is not power", () => {
    const admin = actor();
    expect(refusalOf(admin, { kind: "reveal", target: { id: "t", ...grant({ visibility: "ORGANIZATION" }) } })).toBeNull();
    expect(refusalOf(admin, { kind: "rotate", target: { id: "t", ...grant({ quotaMax: 101 }) } })?.rule).toBe("wider-target");
    expect(refusalOf(admin, { kind: "rotate", target: { id: "t", ...grant({ expiresAt: null }) } })?.rule).toBe("wider-target");
    expect(refusalOf(actor({ allowedNetworks: ["10.0.0.0/8"] }), { kind: "rotate", target: { id: "t", ...grant() } })?.rule).toBe(
      "wider-target",
    );
  });

  it("never grants, sets or hands over service scopes the acting token does not hold", () => {
    // The actor holds billing/invoices:read only.
    expect(refusalOf(actor(), { kind: "create", grant: grant({ serviceScopes: ["billing/invoices:read"] }) })).toBeNull();
    for (const serviceScopes of [["billing/invoices:write"], ["billing/invoices"], ["search/index"]]) {
      const refusal = refusalOf(actor(), { kind: "create", grant: grant({ serviceScopes }) });
      expect(refusal?.rule, serviceScopes.join()).toBe("no-widening");
      expect(refusal?.details).toEqual({ wider: { serviceScopes } });
    }
    const target = { id: "t", quotaWindow: "MONTHLY", ...grant({ serviceScopes: ["search/index"] }) };
    expect(refusalOf(actor(), { kind: "update", target, patch: { name: "x" } as never })?.rule).toBe("wider-target");
    expect(refusalOf(actor(), { kind: "rotate", target })?.rule).toBe("wider-target");
    expect(refusalOf(actor(), { kind: "reveal", target })?.rule).toBe("wider-target");
    // A parent held covers its children.
    const parent = actor({ serviceScopes: ["billing/invoices"] });
    expect(refusalOf(parent, { kind: "create", grant: grant({ serviceScopes: ["billing/invoices:write"] }) })).toBeNull();
  });

  it("tokens cannot disable or end grace periods (the API does not offer it)", () => {
    expect(refusalOf(actor(), { kind: "other", target: { id: "t", visibility: "ADMIN_ONLY" } })?.rule).toBe("not-for-tokens");
  });
});

const scopeArb = fc.subarray([...SCOPE_NAMES] as Scope[]);
const SERVICE_SCOPES = ["billing/invoices", "billing/invoices:read", "billing/invoices:write", "search/index"];
const grantArb: fc.Arbitrary<TokenGrant> = fc.record({
  scopes: scopeArb,
  serviceScopes: fc.subarray(SERVICE_SCOPES),
  quotaMax: fc.integer({ min: 0, max: 1000 }),
  expiresAt: fc.option(
    fc.integer({ min: 1, max: 60 }).map((days) => new Date(NOW + days * DAY)),
    { nil: null },
  ),
  visibility: fc.constantFrom("ADMIN_ONLY" as const, "ORGANIZATION" as const),
  allowedNetworks: fc.constantFrom([], ["10.0.0.0/8"], ["10.1.0.0/16"], ["192.0.2.0/24", "10.0.0.0/8"]),
});
const actorArb: fc.Arbitrary<ActingToken> = grantArb.map((g) => ({ ...g, id: "actor", valueReplaced: false, actsForAnAdmin: true }));

/** The invariant, stated without the rule's helpers where it can be. */
function within(g: Partial<TokenGrant>, bound: TokenGrant): boolean {
  return (
    (g.scopes === undefined || scopesCovered(bound.scopes, g.scopes)) &&
    // A service scope is held as itself or through its parent ("billing/invoices" holds "billing/invoices:read").
    (g.serviceScopes === undefined ||
      g.serviceScopes.every(
        (ref) => bound.serviceScopes.includes(ref) || bound.serviceScopes.includes(ref.slice(0, ref.lastIndexOf(":"))),
      )) &&
    (g.quotaMax === undefined || g.quotaMax <= bound.quotaMax) &&
    (g.expiresAt === undefined || expiryWithin(g.expiresAt, bound.expiresAt)) &&
    (g.visibility === undefined || visibilityWithin(g.visibility, bound.visibility)) &&
    (g.allowedNetworks === undefined || networksWithin(g.allowedNetworks, bound.allowedNetworks))
  );
}

describe("properties", () => {
  it("whatever a token creates is within it, and never admin-only when members can use the token", () => {
    fc.assert(
      fc.property(actorArb, grantArb, (acting, created) => {
        if (refusalOf(acting, { kind: "create", grant: created }) !== null) return;
        expect(within(created, acting)).toBe(true);
        if (acting.visibility === "ORGANIZATION") expect(created.visibility).toBe("ORGANIZATION");
      }),
    );
  });

  it("after any allowed update, every changed field is within the acting token", () => {
    fc.assert(
      fc.property(actorArb, grantArb, grantArb, fc.boolean(), (acting, target, patch, self) => {
        const targetRow = { ...(self ? acting : target), id: self ? acting.id : "target", quotaWindow: "MONTHLY" };
        if (refusalOf(acting, { kind: "update", target: targetRow, patch }) !== null) return;
        const same = (key: keyof TokenGrant) =>
          JSON.stringify([patch[key]].flat().sort()) === JSON.stringify([targetRow[key]].flat().sort());
        const changed = Object.fromEntries(
          (Object.keys(patch) as (keyof TokenGrant)[]).filter((key) => !same(key)).map((key) => [key, patch[key]]),
        );
        expect(within(changed, acting)).toBe(true);
      }),
    );
  });

  it("a value is handed out (rotate, reveal) only when the token can do no more than the caller, and never an admin-only one to a member-usable caller", () => {
    fc.assert(
      fc.property(actorArb, grantArb, fc.constantFrom("rotate" as const, "reveal" as const), (acting, target, kind) => {
        if (refusalOf(acting, { kind, target: { ...target, id: "t" } }) !== null) return;
        const { visibility: _visibility, ...power } = target;
        expect(within(power, acting)).toBe(true);
        if (acting.visibility === "ORGANIZATION") expect(target.visibility).toBe("ORGANIZATION");
      }),
    );
  });
});

describe("adminPowerRefusal", () => {
  it("lets an admin-only token acting for a current admin use an admin power", () => {
    expect(adminPowerRefusal({ visibility: "ADMIN_ONLY", onBehalfOfRole: "ADMIN" }, "audit:view")).toBeNull();
    expect(adminPowerRefusal({ visibility: "ADMIN_ONLY", onBehalfOfRole: "ADMIN" }, "webhooks:manage")).toBeNull();
  });

  it("never an organization-visible one (members may hold it), whoever it acts for", () => {
    expect(adminPowerRefusal({ visibility: "ORGANIZATION", onBehalfOfRole: "ADMIN" }, "audit:view")).toBe("member-usable-token");
  });

  it("never one whose admin was demoted or removed", () => {
    expect(adminPowerRefusal({ visibility: "ADMIN_ONLY", onBehalfOfRole: "MEMBER" }, "audit:view")).toBe("former-admin");
    expect(adminPowerRefusal({ visibility: "ADMIN_ONLY", onBehalfOfRole: null }, "audit:view")).toBe("former-admin");
  });
});
