import { describe, expect, it } from "vitest";

import {
  deserializeScopes,
  expandScopes,
  isScope,
  parseScopeList,
  SCOPE_NAMES,
  SCOPE_TREE,
  scopeGrants,
  SCOPES,
  scopesCovered,
  serializeScopes,
  type Scope,
} from "./scopes";

describe("scope table", () => {
  it("lists every scope once, in display order, with a description", () => {
    expect(SCOPES.map((scope) => scope.name)).toEqual([...SCOPE_NAMES]);
    expect(new Set(SCOPE_NAMES).size).toBe(SCOPE_NAMES.length);
    expect(SCOPE_NAMES).toEqual([
      "report",
      "report:list",
      "report:read",
      "report:write",
      "repo",
      "repo:list",
      "repo:read",
      "repo:write",
      "repo-label",
      "repo-label:list",
      "repo-label:create",
      "repo-label:update",
      "repo-label:delete",
      "api-tokens",
      "api-tokens:list",
      "api-tokens:create",
      "api-tokens:update",
      "api-tokens:rotate",
      "api-tokens:revoke",
      "audit-log",
      "audit-log:list",
      "telemetry-policy",
      "telemetry-policy:update",
      "webhooks",
      "webhooks:list",
      "webhooks:create",
      "webhooks:update",
      "webhooks:delete",
    ]);
    for (const scope of SCOPES) expect(scope.description.trim().length).toBeGreaterThan(5);
    expect(SCOPES.find((scope) => scope.name === "report:read")?.description).toBe("Read the results of reports it has access to");
  });

  it("derives parents from the name prefix, and every child follows its parent", () => {
    expect(SCOPES.find((scope) => scope.name === "report")?.parent).toBeNull();
    expect(SCOPES.find((scope) => scope.name === "api-tokens:revoke")?.parent).toBe("api-tokens");
    SCOPES.forEach((scope, index) => {
      if (scope.name.includes(":")) {
        expect(scope.parent).toBe(scope.name.split(":")[0]);
        expect(SCOPE_NAMES.indexOf(scope.parent!)).toBeLessThan(index);
      } else {
        expect(scope.parent).toBeNull();
      }
    });
  });

  it("builds a two-level tree covering every scope", () => {
    expect(SCOPE_TREE.map((node) => node.name)).toEqual([
      "report",
      "repo",
      "repo-label",
      "api-tokens",
      "audit-log",
      "telemetry-policy",
      "webhooks",
    ]);
    expect(SCOPE_TREE[0]!.children.map((child) => child.name)).toEqual(["report:list", "report:read", "report:write"]);
    expect(SCOPE_TREE.flatMap((node) => [node.name, ...node.children.map((child) => child.name)])).toEqual([...SCOPE_NAMES]);
  });

  it("isScope accepts only known names", () => {
    expect(isScope("repo:list")).toBe(true);
    expect(isScope("repo:write")).toBe(true);
    expect(isScope("repo:create")).toBe(false);
    expect(isScope("REPO")).toBe(false);
    expect(isScope(" repo")).toBe(false);
    expect(isScope("*")).toBe(false);
    expect(isScope(undefined)).toBe(false);
  });
});

describe("parseScopeList", () => {
  it("accepts space/comma separated strings and arrays, trimmed, deduped, in canonical order", () => {
    const expected = { ok: true, scopes: ["report:read", "repo", "audit-log:list"] };
    expect(parseScopeList("audit-log:list repo,report:read")).toEqual(expected);
    expect(parseScopeList("  repo ,\n report:read\taudit-log:list, repo ")).toEqual(expected);
    expect(parseScopeList(["audit-log:list", " repo ", "report:read", "repo", ""])).toEqual(expected);
  });

  it("accepts an empty list", () => {
    expect(parseScopeList("")).toEqual({ ok: true, scopes: [] });
    expect(parseScopeList([])).toEqual({ ok: true, scopes: [] });
  });

  it("reports every unknown name once", () => {
    expect(parseScopeList("report admin report:delete admin")).toEqual({ ok: false, unknown: ["admin", "report:delete"] });
    expect(parseScopeList(["Report"])).toEqual({ ok: false, unknown: ["Report"] });
    expect(parseScopeList(["report list"])).toEqual({ ok: false, unknown: ["report list"] });
  });
});

describe("serializeScopes / deserializeScopes", () => {
  it("stores a space-separated canonical list", () => {
    expect(serializeScopes(["repo:list", "report", "repo:list"])).toBe("report repo:list");
    expect(serializeScopes([])).toBe("");
  });

  it("round-trips and drops unknown stored names", () => {
    const scopes: Scope[] = ["api-tokens:create", "report:list"];
    expect(deserializeScopes(serializeScopes(scopes))).toEqual(["report:list", "api-tokens:create"]);
    expect(deserializeScopes("report:list legacy:thing  repo")).toEqual(["report:list", "repo"]);
    expect(deserializeScopes("")).toEqual([]);
  });
});

describe("scopeGrants", () => {
  // [granted, required, expected]
  const matrix: Array<[string[], Scope, boolean]> = [
    [["report"], "report", true],
    [["report"], "report:list", true],
    [["report"], "report:write", true],
    [["report:list"], "report:list", true],
    [["report:list"], "report", false], // child never grants parent
    [["report:list", "report:read", "report:write"], "report", false],
    [["report:list"], "report:read", false], // sibling
    [["report"], "repo:list", false], // other family
    [["repo"], "report:list", false], // "repo" is not a prefix match for "report"
    [["repo"], "repo-label:list", false], // "repo-label" is its own family, not a child of "repo"
    [["repo-label"], "repo:read", false],
    [["api-tokens"], "api-tokens:revoke", true],
    [["api-tokens:list"], "api-tokens:create", false],
    [["audit-log:list"], "audit-log:list", true],
    [[], "report:list", false],
    [["report:*"], "report:list", false], // wildcards are not a thing
    [["REPORT"], "report:list", false],
  ];

  it.each(matrix)("granted %j → %s is %s", (granted, required, expected) => {
    expect(scopeGrants(granted, required)).toBe(expected);
  });
});

describe("expandScopes", () => {
  it("adds the children of granted parents, in canonical order", () => {
    expect(expandScopes(["repo", "audit-log:list"])).toEqual(["repo", "repo:list", "repo:read", "repo:write", "audit-log:list"]);
    // "repo-label" is a family of its own, not a child of "repo".
    expect(expandScopes(["repo-label"])).toEqual([
      "repo-label",
      "repo-label:list",
      "repo-label:create",
      "repo-label:update",
      "repo-label:delete",
    ]);
    expect(expandScopes(["report:write", "report:list"])).toEqual(["report:list", "report:write"]);
    expect(expandScopes(["nonsense"])).toEqual([]);
    expect(expandScopes([...SCOPE_NAMES])).toEqual([...SCOPE_NAMES]);
  });
});

describe("scopesCovered", () => {
  it("allows requesting scopes the holder already has, directly or through a parent", () => {
    expect(scopesCovered(["report", "repo:list"], ["report:read", "repo:list"])).toBe(true);
    expect(scopesCovered(["api-tokens"], ["api-tokens", "api-tokens:create"])).toBe(true);
    expect(scopesCovered(["report"], [])).toBe(true);
  });

  it("never allows more power than the holder has", () => {
    expect(scopesCovered(["report:list"], ["report:read"])).toBe(false);
    expect(scopesCovered(["report:list"], ["report"])).toBe(false);
    expect(scopesCovered(["report:list", "report:read"], ["report"])).toBe(false);
    expect(scopesCovered(["api-tokens:create"], ["api-tokens:create", "audit-log:list"])).toBe(false);
    expect(scopesCovered([], ["repo:list"])).toBe(false);
  });

  it("treats holding every child as covering the parent", () => {
    expect(scopesCovered(["report:list", "report:read", "report:write"], ["report"])).toBe(true);
    expect(scopesCovered(["repo:list", "repo:read", "repo:write"], ["repo"])).toBe(true);
    // repo:list alone no longer covers "repo", which now also writes repositories.
    expect(scopesCovered(["repo:list"], ["repo"])).toBe(false);
  });
});
