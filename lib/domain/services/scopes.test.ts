import { describe, expect, it } from "vitest";

import { scopeGrants } from "../../tokens/scopes";
import {
  deserializeServiceScopes,
  parseServiceScopeDefinitions,
  parseServiceScopeList,
  parseServiceScopeRef,
  removedServiceScopes,
  scopesForService,
  serviceScopeGrants,
  serviceScopesCovered,
  serviceScopeTree,
  withinServiceScopes,
  withoutService,
} from "./scopes";

const KNOWN = [
  { slug: "billing", scopes: ["invoices", "invoices:read", "invoices:write"] },
  { slug: "search", scopes: ["index", "index:read"] },
];

describe("service scope definitions", () => {
  it("adds implied parents so every scope has its whole tree", () => {
    const parsed = parseServiceScopeDefinitions([{ name: "invoices:read", description: "Read invoices" }, { name: "invoices:write" }]);
    expect(parsed).toEqual({
      ok: true,
      scopes: [
        { name: "invoices", description: "", parent: null },
        { name: "invoices:read", description: "Read invoices", parent: "invoices" },
        { name: "invoices:write", description: "", parent: "invoices" },
      ],
    });
    if (!parsed.ok) return;
    expect(serviceScopeTree(parsed.scopes).map((node) => [node.name, node.children.map((child) => child.name)])).toEqual([
      ["invoices", ["invoices:read", "invoices:write"]],
    ]);
  });

  it("refuses names outside the notation: slashes, capitals, spaces, four levels", () => {
    const parsed = parseServiceScopeDefinitions(
      ["billing/invoices", "Invoices", "a b", "a:b:c:d", ":read", "ok:read"].map((name) => ({ name })),
    );
    expect(parsed).toEqual({ ok: false, invalid: ["billing/invoices", "Invoices", "a b", "a:b:c:d", ":read"] });
  });
});

describe("a token's service scopes", () => {
  it("are checked against the organization's services: unknown services and scopes are refused", () => {
    expect(parseServiceScopeList("billing/invoices:read, search/index", KNOWN)).toEqual({
      ok: true,
      scopes: ["billing/invoices:read", "search/index"],
    });
    expect(parseServiceScopeList(["billing/invoices:delete", "shop/cart", "invoices:read", "billing/invoices:read"], KNOWN)).toEqual({
      ok: false,
      unknown: ["billing/invoices:delete", "shop/cart", "invoices:read"],
    });
  });

  it("parse a ref into its service and scope", () => {
    expect(parseServiceScopeRef("billing/invoices:read")).toEqual({ slug: "billing", scope: "invoices:read" });
    expect(parseServiceScopeRef("billing")).toBeNull();
    expect(parseServiceScopeRef("billing/a/b")).toBeNull();
  });

  it("drop malformed stored entries rather than trust them", () => {
    expect(deserializeServiceScopes("billing/invoices:read  junk report:read search/index")).toEqual([
      "billing/invoices:read",
      "search/index",
    ]);
    expect(deserializeServiceScopes("")).toEqual([]);
  });
});

describe("the grant rule (the same as Keyward's scopes)", () => {
  it("a parent grants its children; a child never grants the parent or a sibling", () => {
    expect(serviceScopeGrants(["billing/invoices"], "billing", "invoices:read")).toBe(true);
    expect(serviceScopeGrants(["billing/invoices:read"], "billing", "invoices:read")).toBe(true);
    expect(serviceScopeGrants(["billing/invoices:read"], "billing", "invoices")).toBe(false);
    expect(serviceScopeGrants(["billing/invoices:read"], "billing", "invoices:write")).toBe(false);
    // Keyward's own scopes answer the same way from the same function.
    expect(scopeGrants(["report"], "report:read")).toBe(true);
    expect(scopeGrants(["report:read"], "report")).toBe(false);
  });

  it("a scope of one service never grants another service's scope of the same name", () => {
    expect(serviceScopeGrants(["search/invoices:read"], "billing", "invoices:read")).toBe(false);
    expect(serviceScopeGrants(["billing/invoices"], "billing-eu", "invoices:read")).toBe(false);
  });

  it("a grant covers only what the holder holds (used by the token-authority rule)", () => {
    expect(serviceScopesCovered(["billing/invoices"], ["billing/invoices:read", "billing/invoices"])).toBe(true);
    expect(serviceScopesCovered(["billing/invoices:read"], ["billing/invoices:write"])).toBe(false);
    // Holding every child does not cover the parent: a service may give the parent a meaning of its own.
    expect(serviceScopesCovered(["billing/invoices:read", "billing/invoices:write"], ["billing/invoices"])).toBe(false);
  });

  it("scopesForService lists one service's scopes; deleting or shrinking a service removes its entries", () => {
    const granted = ["billing/invoices:read", "billing/invoices:write", "search/index"];
    expect(scopesForService(granted, "billing")).toEqual(["invoices:read", "invoices:write"]);
    expect(withoutService(granted, "billing")).toEqual(["search/index"]);
    expect(withinServiceScopes(granted, "billing", ["invoices", "invoices:read"])).toEqual(["billing/invoices:read", "search/index"]);
  });
});

describe("the scopes an edit removes", () => {
  it("names the declared scopes the new list drops, keeping parents a remaining child implies", () => {
    const current = ["invoices", "invoices:read", "invoices:write", "refunds"];
    expect(removedServiceScopes(current, [{ name: "invoices:read" }])).toEqual(["invoices:write", "refunds"]);
    expect(removedServiceScopes(current, [{ name: "invoices:read" }, { name: "invoices:write" }, { name: "refunds" }])).toEqual([]);
  });

  it("removes nothing when the new list is not valid, because that save is refused", () => {
    expect(removedServiceScopes(["invoices"], [{ name: "Not A Scope" }])).toEqual([]);
  });
});
