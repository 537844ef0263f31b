import { describe, expect, it } from "vitest";

import { scopeForRoute, scopeUsageReport } from "./scope-usage";

describe("scopeForRoute", () => {
  it("reads the scope from the API's endpoint table, by method and path template", () => {
    expect(scopeForRoute("GET /v0/report/list")).toBe("report:list");
    expect(scopeForRoute("PUT /v0/report/upload")).toBe("report:write");
    expect(scopeForRoute("GET /v0/orgs/{org}/tokens")).toBe("api-tokens:list");
    expect(scopeForRoute("POST /v0/orgs/{org}/tokens")).toBe("api-tokens:create");
  });

  it("is null for routes any token may call and for unknown routes", () => {
    expect(scopeForRoute("GET /v0/quota")).toBeNull();
    expect(scopeForRoute("GET (unknown)")).toBeNull();
    expect(scopeForRoute("DELETE /v0/report/list")).toBeNull();
  });
});

describe("scopeUsageReport", () => {
  it("replaces a parent by the children that were needed and drops unused leaves", () => {
    const report = scopeUsageReport(["report", "repo:list"], ["GET /v0/report/view/{id}", "GET /v0/quota"]);
    expect(report.used).toEqual(["report:read"]);
    expect(report.suggestion).toEqual(["report:read"]);
    expect(report.granted).toEqual([
      { scope: "report", used: true, usedChildren: ["report:read"] },
      { scope: "repo:list", used: false, usedChildren: [] },
    ]);
  });

  it("keeps a parent whose every child was needed, and suggests nothing when all was used", () => {
    const routes = [
      "GET /v0/report/list",
      "GET /v0/report/view/{id}",
      "PUT /v0/report/upload",
      "GET /v0/orgs/{org}/repos",
      "GET /v0/orgs/{org}/repos/{repo}",
      "DELETE /v0/orgs/{org}/repos/{repo}",
    ];
    const report = scopeUsageReport(["report", "repo"], routes);
    expect(report.suggestion).toBeNull();
    expect(report.granted.every((g) => g.used)).toBe(true);
  });

  it("does not take scopes from a token that manages tokens (it can only grant what it holds)", () => {
    const report = scopeUsageReport(["report:read", "api-tokens"], ["POST /v0/orgs/{org}/tokens"]);
    expect(report.suggestion).toEqual(["report:read", "api-tokens:create"]);
    expect(report.keptForDelegation).toBe(true);
  });

  it("suggests removing everything when no call needed a scope", () => {
    expect(scopeUsageReport(["report:read"], ["GET /v0/quota"]).suggestion).toEqual([]);
  });
});
